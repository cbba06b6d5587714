/**
 * The page at a moment, in Node: a tree of rrweb's serialized nodes built from the frame's full snapshot, with the
 * frame's incremental events applied as rrweb's Replayer applies them (mutations: adds in rrweb's order, removes,
 * texts, attributes with style diffs; input values and checks; each node's last scroll). The keyframe's HTML is
 * written from it (serialize-html.ts).
 *
 * Not foreign-content/dom-mirror.ts: that mirror keeps what the detector reads (lower-cased attributes, children
 * unordered by rrweb's next/previous ids, no values or scrolls); drawing needs every attribute as recorded, the
 * children's order and the form state.
 *
 * What a static document cannot show as the replay does is refused (`Unsupported`): canvases (the viewer's
 * CanvasPainter draws them), CSSOM rule and adopted-stylesheet events, fonts. The player's first frame (rrweb) then
 * draws that moment as before.
 */
import { EventType, isObject, list, nodeId, NodeType, Source, str } from '../../../recorder/rrweb-wire';
import type { RecordedEvent } from '../../../store/records';

export interface TreeNode {
  id: number;
  type: number;
  /** Lower-case as rrweb records it. */
  tag: string;
  attrs: Map<string, string>;
  /** Text, comment and (for a doctype) name. */
  text: string;
  isSVG: boolean;
  /** A child of its parent's shadow root (rrweb's `isShadow`). */
  isShadow: boolean;
  /** rrweb's `isStyle`: the text of a <style>. */
  isStyle: boolean;
  parent: TreeNode | undefined;
  children: TreeNode[];
  /** The last recorded scroll of this node (the document's is the window's). */
  scroll?: { x: number; y: number };
  /** For a doctype: publicId, systemId. */
  ids?: [string, string];
}

export class Unsupported extends Error {}

/** Sources that change nothing a frame shows (pointer, clicks, focus, selection, media, logs, viewport resizes). */
const REFUSED: ReadonlySet<number> = new Set([Source.StyleSheetRule, Source.CanvasMutation, Source.StyleDeclaration, Source.AdoptedStyleSheet, 10 /* Font */]);
const MAX_DEPTH = 400;

export class FrameTree {
  readonly nodes = new Map<number, TreeNode>();
  root: TreeNode | undefined;
  /** The recorded viewport (Meta, then viewport resizes). */
  width = 0;
  height = 0;

  /** Applies events[0..) (from a Meta up to the moment shown). Throws Unsupported for what a static page cannot show. */
  apply(events: readonly RecordedEvent[]): this {
    for (const e of events) {
      const data = isObject(e.data) ? e.data : {};
      if (e.type === EventType.Meta) {
        this.width = typeof data.width === 'number' ? data.width : this.width;
        this.height = typeof data.height === 'number' ? data.height : this.height;
      } else if (e.type === EventType.FullSnapshot) {
        this.nodes.clear();
        this.root = this.add(data.node, undefined, 0);
        const offset = isObject(data.initialOffset) ? data.initialOffset : {};
        if (this.root) this.root.scroll = { x: num(offset.left), y: num(offset.top) };
      } else if (e.type === EventType.IncrementalSnapshot) {
        this.incremental(data);
      }
    }
    if (!this.root) throw new Unsupported('no full snapshot');
    return this;
  }

  private incremental(data: Record<string, unknown>): void {
    const source = data.source as number;
    if (REFUSED.has(source)) throw new Unsupported(`incremental source ${source}`);
    if (source === Source.Mutation) this.mutate(data);
    else if (source === Source.Scroll) {
      const node = this.nodes.get(nodeId(data.id) ?? 0);
      if (node) node.scroll = { x: num(data.x), y: num(data.y) };
    } else if (source === Source.Input) this.input(data);
    else if (source === 4 /* ViewportResize */) {
      this.width = num(data.width) || this.width;
      this.height = num(data.height) || this.height;
    }
  }

  /** As rrweb's Replayer: texts and attributes of nodes present, removes, then adds (retried until their parent and next sibling exist). */
  private mutate(data: Record<string, unknown>): void {
    for (const r of list(data.removes)) {
      if (isObject(r)) this.remove(nodeId(r.id));
    }
    let pending = list(data.adds).filter(isObject);
    for (let pass = 0; pending.length && pass < 1000; pass++) {
      const left: typeof pending = [];
      for (const a of pending) {
        const parent = this.nodes.get(nodeId(a.parentId) ?? 0);
        const nextId = nodeId(a.nextId);
        const next = nextId !== undefined ? this.nodes.get(nextId) : undefined;
        const previousId = nodeId(a.previousId);
        const previous = previousId !== undefined ? this.nodes.get(previousId) : undefined;
        if (!parent || (nextId !== undefined && !next) || (previousId !== undefined && !previous)) left.push(a);
        else this.add(a.node, parent, depthOf(parent), previous?.parent === parent ? parent.children[parent.children.indexOf(previous) + 1] : next);
      }
      if (left.length === pending.length) break; // rrweb drops what never finds its place
      pending = left;
    }
    for (const t of list(data.texts)) {
      const node = isObject(t) ? this.nodes.get(nodeId(t.id) ?? 0) : undefined;
      if (node && isObject(t) && typeof t.value === 'string') node.text = t.value;
    }
    for (const a of list(data.attributes)) {
      const node = isObject(a) ? this.nodes.get(nodeId(a.id) ?? 0) : undefined;
      if (!node || !isObject(a) || !isObject(a.attributes)) continue;
      for (const [name, value] of Object.entries(a.attributes)) {
        if (typeof value === 'string') node.attrs.set(name, value);
        else if (value === null) node.attrs.delete(name);
        else if (name === 'style' && isObject(value)) node.attrs.set('style', patchStyle(node.attrs.get('style') ?? '', value));
      }
    }
  }

  /** rrweb's input event: the value (input, textarea, select) or the check (checkbox, radio). */
  private input(data: Record<string, unknown>): void {
    const node = this.nodes.get(nodeId(data.id) ?? 0);
    if (!node) return;
    const type = (node.attrs.get('type') ?? '').toLowerCase();
    if (node.tag === 'input' && (type === 'checkbox' || type === 'radio')) {
      if (data.isChecked === true) node.attrs.set('checked', '');
      else node.attrs.delete('checked');
    } else if (typeof data.text === 'string') {
      node.attrs.set('value', data.text);
    }
  }

  private add(serialized: unknown, parent: TreeNode | undefined, depth: number, before?: TreeNode): TreeNode | undefined {
    if (!isObject(serialized) || depth > MAX_DEPTH) return undefined;
    const id = nodeId(serialized.id);
    if (id === undefined) return undefined;
    const type = typeof serialized.type === 'number' ? serialized.type : -1;
    const tag = (str(serialized.tagName) ?? '').toLowerCase();
    if (tag === 'canvas') throw new Unsupported('canvas');
    this.remove(id);
    const node: TreeNode = {
      id, type, tag,
      attrs: attributesOf(serialized.attributes),
      text: str(serialized.textContent) ?? (type === NodeType.DocumentType ? str(serialized.name) ?? 'html' : ''),
      isSVG: serialized.isSVG === true,
      isShadow: serialized.isShadow === true,
      isStyle: serialized.isStyle === true,
      parent,
      children: [],
      ids: type === NodeType.DocumentType ? [str(serialized.publicId) ?? '', str(serialized.systemId) ?? ''] : undefined,
    };
    this.nodes.set(id, node);
    if (parent) {
      const at = before ? parent.children.indexOf(before) : -1;
      if (at >= 0) parent.children.splice(at, 0, node);
      else parent.children.push(node);
    }
    for (const child of list(serialized.childNodes)) this.add(child, node, depth + 1);
    return node;
  }

  private remove(id: number | undefined): void {
    const node = id === undefined ? undefined : this.nodes.get(id);
    if (!node) return;
    if (node.parent) {
      const at = node.parent.children.indexOf(node);
      if (at >= 0) node.parent.children.splice(at, 1);
    }
    const stack = [node];
    while (stack.length) {
      const n = stack.pop()!;
      if (this.nodes.get(n.id) === n) this.nodes.delete(n.id);
      stack.push(...n.children);
    }
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function depthOf(node: TreeNode): number {
  let d = 0;
  for (let n = node.parent; n; n = n.parent) d++;
  return d;
}

function attributesOf(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!isObject(value)) return out;
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string') out.set(name, v);
    else if (v === true) out.set(name, '');
    else if (typeof v === 'number') out.set(name, String(v));
  }
  return out;
}

/** rrweb's style diff (`{prop: value | [value, priority] | false}`) applied to a style attribute's text. */
export function patchStyle(style: string, diff: Record<string, unknown>): string {
  const decls = new Map<string, string>();
  for (const part of style.split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) decls.set(part.slice(0, colon).trim().toLowerCase(), part.slice(colon + 1).trim());
  }
  for (const [prop, value] of Object.entries(diff)) {
    if (value === false) decls.delete(prop);
    else if (typeof value === 'string') decls.set(prop, value);
    else if (Array.isArray(value) && typeof value[0] === 'string') decls.set(prop, value[1] ? `${value[0]} !${value[1]}` : value[0]);
  }
  return [...decls].map(([p, v]) => `${p}: ${v};`).join(' ');
}
