/**
 * The recorder's layout notes per page (recorder/layout-notes.ts): click boxes and scroll depth, read from its
 * custom events. Hostile input: bounded, malformed entries skipped.
 */
import type { EventBatch } from '../../../store/records';
import type { CUSTOM_TAGS } from '../../../recorder/protocol';
import { cut, EventType, isObject, list, num, str } from '../../../recorder/rrweb-wire';
import { MAX_CLICKS_PER_PAGE, MAX_PAGES } from '../struggle/limits';

const CLICK_BOX_TAG: typeof CUSTOM_TAGS.clickBox = 'verbatim:click-box';
const SCROLL_DEPTH_TAG: typeof CUSTOM_TAGS.scrollDepth = 'verbatim:scroll-depth';
const MAX_BOXES = 8;
/** A click box this far from its click (either way; the recorder's listener runs before rrweb's) is another's. */
const MATCH_MS = 1_000;

export interface ClickBox {
  at: number;
  x: number;
  y: number;
  /** rrweb node id → [left, top, width, height] in viewport px. */
  boxes: Map<number, [number, number, number, number]>;
  used: boolean;
}

export class LayoutNotes {
  private readonly boxes = new Map<string, ClickBox[]>();
  private readonly depth = new Map<string, number>();

  batch(batch: EventBatch): void {
    if (!isObject(batch) || !isObject(batch.page)) return;
    const pageId = cut(str(batch.page.id) ?? '', 200);
    if (!pageId) return;
    for (const e of list(batch.events)) {
      if (!isObject(e) || e.type !== EventType.Custom || !isObject(e.data) || !isObject(e.data.payload)) continue;
      const at = num(e.timestamp);
      const p = e.data.payload;
      if (at === undefined) continue;
      if (e.data.tag === SCROLL_DEPTH_TAG) {
        const pct = num(p.maxPct);
        if (pct !== undefined && pct >= 0 && pct <= 100 && (this.depth.has(pageId) || this.depth.size < MAX_PAGES)) {
          this.depth.set(pageId, Math.max(this.depth.get(pageId) ?? 0, Math.round(pct)));
        }
      } else if (e.data.tag === CLICK_BOX_TAG) {
        const x = num(p.x);
        const y = num(p.y);
        if (x === undefined || y === undefined) continue;
        const boxes = new Map<number, [number, number, number, number]>();
        for (const b of list(p.boxes).slice(0, MAX_BOXES)) {
          const v = list(b).map(num);
          if (v.length === 5 && v.every((n) => n !== undefined) && v[3]! > 0 && v[4]! > 0) boxes.set(v[0]!, [v[1]!, v[2]!, v[3]!, v[4]!]);
        }
        let page = this.boxes.get(pageId);
        if (!page) {
          if (this.boxes.size >= MAX_PAGES) continue;
          this.boxes.set(pageId, (page = []));
        }
        if (page.length < MAX_CLICKS_PER_PAGE) page.push({ at, x, y, boxes, used: false });
      }
    }
  }

  /** Where a click at (x, y) on node `id` landed in that node's box, as fractions; once per box note. */
  position(pageId: string, at: number, x: number | undefined, y: number | undefined, id: number): { fx: number; fy: number } | undefined {
    if (x === undefined || y === undefined) return undefined;
    let best: ClickBox | undefined;
    for (const b of this.boxes.get(pageId) ?? []) {
      if (b.used || b.x !== Math.round(x) || b.y !== Math.round(y) || Math.abs(b.at - at) > MATCH_MS || !b.boxes.has(id)) continue;
      if (!best || Math.abs(b.at - at) < Math.abs(best.at - at)) best = b;
    }
    if (!best) return undefined;
    best.used = true;
    const [l, t, w, h] = best.boxes.get(id)!;
    return { fx: fraction((x - l) / w), fy: fraction((y - t) / h) };
  }

  scrollDepth(pageId: string): number | undefined {
    return this.depth.get(pageId);
  }

  forget(pageId: string): void {
    this.boxes.delete(pageId);
    this.depth.delete(pageId);
  }
}

const fraction = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
