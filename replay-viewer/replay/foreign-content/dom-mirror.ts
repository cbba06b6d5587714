/**
 * A minimal mirror of one page's recorded DOM, rebuilt from rrweb's serialized nodes (full snapshots and mutation
 * adds/removes/texts/attributes): parents, children, tag names, attributes and text, enough to walk a subtree, name an
 * element by a CSS path and read its text. No browser: the detector runs anywhere the replay library does.
 */
export const NodeType = { Document: 0, DocumentType: 1, Element: 2, Text: 3, CDATA: 4, Comment: 5 } as const;

export interface MirrorNode {
  id: number;
  type: number;
  tag: string;
  attrs: Record<string, string>;
  text: string;
  /** rrweb marks the text of <style> elements. */
  isStyle: boolean;
  parent: number | undefined;
  children: number[];
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Guards against hostile recordings: a node tree this deep is not walked further. */
const MAX_DEPTH = 400;

export class DomMirror {
  readonly nodes = new Map<number, MirrorNode>();

  reset(): void {
    this.nodes.clear();
  }

  /** Adds a serialized node and its serialized children; returns the ids added (parents first). */
  add(serialized: unknown, parent: number | undefined, out: number[] = [], depth = 0): number[] {
    if (!isObject(serialized) || typeof serialized.id !== 'number' || depth > MAX_DEPTH) return out;
    const type = typeof serialized.type === 'number' ? serialized.type : -1;
    const node: MirrorNode = {
      id: serialized.id,
      type,
      tag: typeof serialized.tagName === 'string' ? serialized.tagName.toLowerCase() : '',
      attrs: attributesOf(serialized.attributes),
      text: typeof serialized.textContent === 'string' ? serialized.textContent : '',
      isStyle: serialized.isStyle === true,
      parent,
      children: [],
    };
    const old = this.nodes.get(node.id);
    if (old) this.remove(node.id);
    this.nodes.set(node.id, node);
    if (parent !== undefined) this.nodes.get(parent)?.children.push(node.id);
    out.push(node.id);
    for (const child of asList(serialized.childNodes)) this.add(child, node.id, out, depth + 1);
    return out;
  }

  remove(id: number): void {
    const node = this.nodes.get(id);
    if (!node) return;
    if (node.parent !== undefined) {
      const siblings = this.nodes.get(node.parent)?.children;
      const at = siblings?.indexOf(id) ?? -1;
      if (siblings && at >= 0) siblings.splice(at, 1);
    }
    const stack = [id];
    while (stack.length) {
      const n = this.nodes.get(stack.pop()!);
      if (!n) continue;
      this.nodes.delete(n.id);
      stack.push(...n.children);
    }
  }

  setAttributes(id: number, changed: unknown): void {
    const node = this.nodes.get(id);
    if (!node || !isObject(changed)) return;
    for (const [name, value] of Object.entries(changed)) {
      if (typeof value === 'string') node.attrs[name.toLowerCase()] = value;
      else if (value === null) delete node.attrs[name.toLowerCase()];
    }
  }

  /** The nearest element at or above a node. */
  element(id: number): MirrorNode | undefined {
    let node = this.nodes.get(id);
    while (node && node.type !== NodeType.Element) node = node.parent !== undefined ? this.nodes.get(node.parent) : undefined;
    return node;
  }

  ancestors(id: number): MirrorNode[] {
    const out: MirrorNode[] = [];
    let node = this.nodes.get(id);
    while (node && out.length <= MAX_DEPTH) {
      out.push(node);
      node = node.parent !== undefined ? this.nodes.get(node.parent) : undefined;
    }
    return out;
  }

  /** `html > body > form#verify.card`: tag, id and the first two classes per level. */
  cssPath(id: number): string {
    return this.ancestors(id).filter((n) => n.type === NodeType.Element).reverse().map((n) => {
      const idPart = n.attrs.id ? `#${n.attrs.id.slice(0, 40)}` : '';
      const classes = (n.attrs.class ?? '').split(/\s+/).filter(Boolean).slice(0, 2).map((c) => `.${c.slice(0, 40)}`).join('');
      return `${n.tag}${idPart}${classes}`;
    }).join(' > ').slice(-300);
  }

  /** Visible text under a node (scripts and styles left out), whitespace collapsed, cut to `max` characters. */
  textOf(id: number, max = 120): string {
    const parts: string[] = [];
    let length = 0;
    const walk = (nid: number, depth: number): void => {
      const n = this.nodes.get(nid);
      if (!n || length > max || depth > MAX_DEPTH || HIDDEN_TEXT.has(n.tag)) return;
      if (n.type === NodeType.Text && !n.isStyle) {
        const t = n.text.replace(/\s+/g, ' ').trim();
        if (t) {
          parts.push(t);
          length += t.length + 1;
        }
      }
      for (const c of n.children) walk(c, depth + 1);
    };
    walk(id, 0);
    const text = parts.join(' ');
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }
}

/** Elements whose text is not shown (or, for scripts, not recorded: rrweb keeps a placeholder). */
export const HIDDEN_TEXT: ReadonlySet<string> = new Set(['script', 'style', 'noscript', 'template', 'head', 'title']);

function attributesOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string') out[name.toLowerCase()] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[name.toLowerCase()] = String(v);
  }
  return out;
}
