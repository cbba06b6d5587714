/** Handcrafted rrweb 2.x events for the extractor's tests (the wire format of rrweb-wire.ts). */
import type { EventBatch, RecordedEvent } from '../../../store/records';

export interface SNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, string | number | boolean | null>;
  childNodes?: SNode[];
  textContent?: string;
  isStyle?: boolean;
  isSVG?: boolean;
  rootId?: number;
  /** A top-level node of its parent's open shadow root. */
  isShadow?: boolean;
}

/** Builds serialised nodes with fresh ids (children get theirs before their parent). */
export class Tree {
  constructor(private next = 1) {}

  doc(...children: SNode[]): SNode {
    return { type: 0, id: this.next++, childNodes: children };
  }

  el(tag: string, attributes: SNode['attributes'] = {}, ...children: (SNode | string)[]): SNode {
    const childNodes = children.map((c) => (typeof c === 'string' ? this.text(c) : c));
    return { type: 2, id: this.next++, tagName: tag, attributes, childNodes };
  }

  text(textContent: string, extra: Partial<SNode> = {}): SNode {
    return { type: 3, id: this.next++, textContent, ...extra };
  }

  /** `<html><head><title>…</title></head><body>…</body></html>` */
  page(title: string, ...body: (SNode | string)[]): { root: SNode; body: SNode; head: SNode } {
    const head = this.el('head', {}, this.el('title', {}, title));
    const bodyNode = this.el('body', {}, ...body);
    return { root: this.doc(this.el('html', {}, head, bodyNode)), body: bodyNode, head };
  }
}

export const full = (timestamp: number, node: SNode): RecordedEvent => ({ type: 2, timestamp, data: { node, initialOffset: { top: 0, left: 0 } } });
export const meta = (timestamp: number, href: string): RecordedEvent => ({ type: 4, timestamp, data: { href, width: 800, height: 600 } });
export const mutation = (timestamp: number, data: { adds?: unknown[]; texts?: unknown[]; removes?: unknown[]; attributes?: unknown[] }): RecordedEvent => ({
  type: 3, timestamp, data: { source: 0, adds: [], texts: [], removes: [], attributes: [], ...data },
});
export const add = (parentId: number, node: SNode, nextId: number | null = null) => ({ parentId, nextId, node });
export const input = (timestamp: number, id: number, text: string, isChecked?: boolean, userTriggered = true): RecordedEvent => ({
  type: 3, timestamp, data: { source: 5, id, text, ...(isChecked === undefined ? {} : { isChecked }), userTriggered },
});
export const click = (timestamp: number, id: number): RecordedEvent => ({ type: 3, timestamp, data: { source: 2, type: 2, id, x: 10, y: 10 } });
export const mouseMove = (timestamp: number): RecordedEvent => ({
  type: 3, timestamp, data: { source: 1, positions: [{ x: 1, y: 1, id: 1, timeOffset: 0 }] },
});
export const custom = (timestamp: number, tag: string, payload: Record<string, unknown>): RecordedEvent => ({ type: 5, timestamp, data: { tag, payload } });

export function batch(events: unknown[], opts: { page?: string; seq?: number; url?: string; title?: string } = {}): EventBatch {
  return {
    sessionId: 's1',
    page: { id: opts.page ?? 'p1', url: opts.url ?? 'https://bank.example/home', ...(opts.title ? { title: opts.title } : {}) },
    seq: opts.seq ?? 0,
    events: events as RecordedEvent[],
    receivedAt: 1_000,
  };
}

/** Hits without pageId, for compact expectations. */
export function strip<T extends { pageId?: string }>(hits: T[]): Omit<T, 'pageId'>[] {
  return hits.map(({ pageId: _p, ...rest }) => rest);
}
