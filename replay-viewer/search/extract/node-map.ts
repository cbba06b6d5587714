/**
 * One page's rrweb node map: what a full snapshot and the mutations after it say the document holds, so that a
 * later event naming a node id (a click, an input, a text change) can be read as an element with a tag, a few
 * attributes, a parent and children. Only what hits need is kept (tag, the attributes below, text); sizes are
 * bounded, walks are iterative and bounded, and a forged tree (duplicate ids, cycles, unknown parents) loses the
 * offending nodes instead of throwing.
 */
import {
  MAX_ANCESTORS, MAX_ATTRIBUTE_TEXT, MAX_CHILDREN, MAX_NODE_TEXT, MAX_NODES_PER_PAGE, MAX_WALK_NODES,
  MAX_WORK_PER_BATCH,
} from './limits';
import { cut, isObject, list, nodeId, NodeType, num, str, type Json } from '../../../recorder/rrweb-wire';

/** Attributes hits read: field names, labels, roles, selectors, blocked placeholders, checked options. */
const KEPT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id', 'name', 'type', 'role', 'aria-label', 'title', 'alt', 'value', 'placeholder', 'data-testid', 'for',
  'rr_width', 'selected', 'checked',
]);

export interface MapNode {
  id: number;
  /** 0: none (a document, or a node whose parent was dropped). */
  parent: number;
  type: number;
  /** Lower-case tag of an element. */
  tag?: string;
  attrs?: Record<string, string>;
  /** A text node's text (a style text node is flagged, not kept). */
  text?: string;
  isStyle?: boolean;
  children?: number[];
  isSVG?: boolean;
  /** Inside an iframe's document (rrweb's rootId): its <title> is not the page's. */
  inFrame?: boolean;
  /**
   * A top-level node of its parent's open shadow root (rrweb's isShadow): rrweb lists a host's shadow children
   * after its light ones, both under the host, so selectors and label lookups need to tell the two trees apart.
   */
  isShadow?: boolean;
}

export class NodeMap {
  private readonly nodes = new Map<number, MapNode>();
  /** KEPT_ATTRIBUTES plus what a caller asked for (struggle analytics reads aria-invalid, role=alert, href…). */
  private readonly kept: ReadonlySet<string>;

  constructor(options: { extraAttributes?: readonly string[] } = {}) {
    this.kept = options.extraAttributes?.length ? new Set([...KEPT_ATTRIBUTES, ...options.extraAttributes]) : KEPT_ATTRIBUTES;
  }
  /**
   * Node visits left for the batch being read (MAX_WORK_PER_BATCH): every walk, climb and child search spends from
   * it, so a batch forged to make each event walk a huge tree costs bounded time. Once spent, walks end early.
   */
  private work = MAX_WORK_PER_BATCH;
  /** `<label for=…>` by the id it names. */
  private readonly labelsFor = new Map<string, number>();

  get size(): number {
    return this.nodes.size;
  }

  get(id: unknown): MapNode | undefined {
    const key = nodeId(id);
    return key === undefined ? undefined : this.nodes.get(key);
  }

  /** Called before each batch. */
  resetWork(): void {
    this.work = MAX_WORK_PER_BATCH;
    this.asideWork = MAX_WORK_PER_BATCH;
  }

  /** The work budget of reads made through aside() in this batch. */
  private asideWork = MAX_WORK_PER_BATCH;

  /**
   * Runs a second reader's walks (struggle analytics reads the extractor's map) on a budget of their own: they
   * neither shorten the extractor's walks in a flooded batch nor get shortened by them, as with a map of their own.
   */
  aside<T>(read: () => T): T {
    const kept = this.work;
    this.work = this.asideWork;
    try {
      return read();
    } finally {
      this.asideWork = this.work;
      this.work = kept;
    }
  }

  /** True once this batch's work is spent: what walks returned since may be partial. */
  get exhausted(): boolean {
    return this.work <= 0;
  }

  clear(): void {
    this.nodes.clear();
    this.labelsFor.clear();
  }

  /**
   * Adds a serialised node and its serialised children under `parentId` (0 for a snapshot's root), before
   * `nextId` when that sibling is known. Returns the ids of the nodes added, in document order for a whole tree.
   */
  addTree(serialized: unknown, parentId: number, nextId?: number): number[] {
    const added: number[] = [];
    const root = this.addOne(serialized, parentId, nextId);
    if (root === undefined) return added;
    // Depth-first with an explicit stack: a deep forged tree cannot overflow the call stack.
    const stack: { sn: unknown[]; at: number; parent: number }[] = [];
    added.push(root.id);
    const rootChildren = isObject(serialized) ? list(serialized.childNodes) : [];
    if (rootChildren.length) stack.push({ sn: rootChildren, at: 0, parent: root.id });
    let visits = 0;
    while (stack.length && visits < MAX_WALK_NODES * 5 && this.work-- > 0) {
      const top = stack[stack.length - 1]!;
      if (top.at >= top.sn.length) {
        stack.pop();
        continue;
      }
      const child = top.sn[top.at++];
      visits++;
      const node = this.addOne(child, top.parent);
      if (!node) continue;
      added.push(node.id);
      const grand = isObject(child) ? list(child.childNodes) : [];
      if (grand.length) stack.push({ sn: grand, at: 0, parent: node.id });
    }
    return added;
  }

  private addOne(serialized: unknown, parentId: number, nextId?: number): MapNode | undefined {
    if (!isObject(serialized) || this.nodes.size >= MAX_NODES_PER_PAGE) return undefined;
    const id = nodeId(serialized.id);
    const type = num(serialized.type);
    // An id already in the map is a forgery or a replay of the same add: keeping the first avoids cycles.
    if (id === undefined || type === undefined || this.nodes.has(id)) return undefined;
    const parent = parentId ? this.nodes.get(parentId) : undefined;
    if (parentId && (!parent?.children || parent.children.length >= MAX_CHILDREN)) return undefined;
    const node: MapNode = { id, parent: parent ? parentId : 0, type };
    if (type === NodeType.Element) {
      node.tag = cut(str(serialized.tagName) ?? '', 64).toLowerCase();
      node.children = [];
      if (serialized.isSVG === true) node.isSVG = true;
      const attrs = keptAttributes(serialized.attributes, this.kept);
      if (attrs) node.attrs = attrs;
    } else if (type === NodeType.Document) {
      node.children = [];
    } else if (type === NodeType.Text) {
      if (serialized.isStyle === true) node.isStyle = true;
      else node.text = cut(str(serialized.textContent) ?? '', MAX_NODE_TEXT);
    }
    if (serialized.rootId !== undefined || parent?.inFrame) node.inFrame = true;
    if (serialized.isShadow === true && parent) node.isShadow = true;
    this.nodes.set(id, node);
    if (parent?.children) {
      const at = nextId === undefined ? -1 : this.indexIn(parent.children, nextId);
      if (at < 0) parent.children.push(id);
      else parent.children.splice(at, 0, id);
    }
    this.indexLabel(node);
    return node;
  }

  /** Removes a node and everything under it. */
  remove(id: unknown): void {
    const node = this.get(id);
    if (!node) return;
    const parent = this.nodes.get(node.parent);
    if (parent?.children) {
      const at = this.indexIn(parent.children, node.id);
      if (at >= 0) parent.children.splice(at, 1);
    }
    const stack = [node.id];
    for (let n = 0; stack.length && n < MAX_NODES_PER_PAGE && this.work-- > 0; n++) {
      const gone = this.nodes.get(stack.pop()!);
      if (!gone) continue;
      this.nodes.delete(gone.id);
      for (const c of gone.children ?? []) stack.push(c);
    }
  }

  setText(id: unknown, value: unknown): MapNode | undefined {
    const node = this.get(id);
    if (!node || node.type !== NodeType.Text || node.isStyle) return undefined;
    node.text = cut(str(value) ?? '', MAX_NODE_TEXT);
    return node;
  }

  setAttributes(id: unknown, attributes: unknown): void {
    const node = this.get(id);
    if (!node || node.type !== NodeType.Element || !isObject(attributes)) return;
    for (const [name, value] of Object.entries(attributes)) {
      const key = name.toLowerCase();
      if (!this.kept.has(key)) continue;
      node.attrs ??= {};
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        node.attrs[key] = cut(String(value), MAX_ATTRIBUTE_TEXT);
      } else {
        delete node.attrs[key]; // null: attribute removed (rrweb's encoding)
      }
    }
    this.indexLabel(node);
  }

  /** Ancestors from the parent up, at most MAX_ANCESTORS (a forged cycle ends there). */
  *ancestors(node: MapNode): Generator<MapNode> {
    let current = this.nodes.get(node.parent);
    for (let n = 0; current && n < MAX_ANCESTORS && this.work-- > 0; n++) {
      yield current;
      current = this.nodes.get(current.parent);
    }
  }

  /**
   * Nodes under `node` in document order (pre-order), not entering subtrees for which `enter` says no; at most
   * MAX_WALK_NODES. A node is yielded before `enter` is asked about it, so a caller sees the subtrees it skips.
   */
  *descendants(node: MapNode, enter: (n: MapNode) => boolean = () => true): Generator<MapNode> {
    const stack: { ids: number[]; at: number }[] = [{ ids: node.children ?? [], at: 0 }];
    for (let visits = 0; stack.length && visits < MAX_WALK_NODES && this.work > 0;) {
      const top = stack[stack.length - 1]!;
      if (top.at >= top.ids.length) {
        stack.pop();
        continue;
      }
      const child = this.nodes.get(top.ids[top.at++]!);
      if (!child) continue;
      visits++;
      this.work--;
      yield child;
      if (child.children?.length && enter(child) && stack.length < MAX_WALK_NODES) stack.push({ ids: child.children, at: 0 });
    }
  }

  /** A child's place among its siblings; a long sibling list costs its length / 32 in work. */
  private indexIn(children: number[], id: number): number {
    this.work -= children.length >> 5;
    return children.indexOf(id);
  }

  /** The `<label for=id>` naming an element id, if it is still in the map. */
  labelFor(id: string): MapNode | undefined {
    const label = this.nodes.get(this.labelsFor.get(id) ?? 0);
    return label?.attrs?.for === id ? label : undefined;
  }

  private indexLabel(node: MapNode): void {
    const target = node.tag === 'label' ? node.attrs?.for : undefined;
    if (!target || this.labelFor(target) || this.labelsFor.size >= MAX_NODES_PER_PAGE) return;
    this.labelsFor.set(target, node.id);
  }
}

function keptAttributes(raw: unknown, kept: ReadonlySet<string>): Record<string, string> | undefined {
  if (!isObject(raw)) return undefined;
  let out: Record<string, string> | undefined;
  let n = 0;
  for (const name in raw as Json) {
    if (++n > 1_000) break; // a forged element with a million attributes
    const key = name.toLowerCase();
    if (!kept.has(key)) continue;
    const value = raw[name];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    (out ??= {})[key] = cut(String(value), MAX_ATTRIBUTE_TEXT);
  }
  return out;
}

/**
 * Applies one rrweb Mutation event in rrweb's order (removes, adds, texts, attributes); an add whose parent comes
 * later in the list is tried again once. Returns the ids added or whose text changed, in the order met.
 */
export function applyMutation(map: NodeMap, data: Json): number[] {
  for (const r of list(data.removes)) if (isObject(r)) map.remove(r.id);
  const added: number[] = [];
  let retry: Json[] = [];
  for (const pass of [list(data.adds), null]) {
    const adds = pass ?? retry;
    retry = [];
    for (const add of adds) {
      if (!isObject(add)) continue;
      const parentId = nodeId(add.parentId);
      if (parentId === undefined) continue;
      if (!map.get(parentId)) {
        if (pass) retry.push(add);
        continue;
      }
      for (const id of map.addTree(add.node, parentId, nodeId(add.nextId))) added.push(id);
    }
  }
  for (const t of list(data.texts)) {
    if (!isObject(t)) continue;
    const node = map.setText(t.id, t.value);
    if (node) added.push(node.id);
  }
  for (const a of list(data.attributes)) if (isObject(a)) map.setAttributes(a.id, a.attributes);
  return added;
}
