/**
 * Layout facts rrweb does not record but click and scroll maps need (replay-viewer/analytics/fields/):
 * - click-box: at each click, the boxes (viewport px) of the clicked element and a few ancestors, keyed by rrweb's
 *   node ids, so the extractor takes the box of whichever ancestor the click resolves to (a span inside a button);
 *   from the innermost element, across open shadow roots to their hosts (composed-tree.ts).
 *   No text, no values: ids and rectangles only.
 * - scroll-depth: the deepest point of the document shown (bottom of the viewport over the document height, %),
 *   reported when the page goes away or is hidden.
 * Never throws into the page.
 */

import { composedParent, innermostTarget } from './composed-tree';

type Report = (tag: string, payload: Record<string, unknown>) => void;

/** The clicked element and this many ancestors: clicks resolve to the nearest interactive ancestor. */
const MAX_BOXES = 8;

export interface LayoutNotes {
  /** Reports the deepest scroll point so far (pagehide, visibility hidden). */
  flushScrollDepth(): void;
}

export function watchLayout(report: Report, tags: { clickBox: string; scrollDepth: string }, idOf: (n: Node) => number): LayoutNotes {
  let maxPct = 0;
  let reportedPct = -1;
  const measure = (): void => {
    try {
      const doc = document.documentElement;
      const height = Math.max(doc.scrollHeight, document.body?.scrollHeight ?? 0);
      if (height <= 0) return;
      const pct = Math.min(100, Math.round(((scrollY + innerHeight) / height) * 100));
      if (pct > maxPct) maxPct = pct;
    } catch {
      /* ignore */
    }
  };
  addEventListener('scroll', measure, { capture: true, passive: true });
  document.addEventListener('click', (e) => {
    try {
      const boxes: number[][] = [];
      for (let el = innermostTarget(e); el && boxes.length < MAX_BOXES; el = composedParent(el)) {
        const id = idOf(el);
        if (id <= 0) continue;
        const r = el.getBoundingClientRect();
        boxes.push([id, Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)]);
      }
      if (boxes.length) report(tags.clickBox, { x: Math.round(e.clientX), y: Math.round(e.clientY), boxes });
    } catch {
      /* ignore */
    }
  }, { capture: true, passive: true });
  return {
    flushScrollDepth() {
      measure();
      if (maxPct === reportedPct) return;
      reportedPct = maxPct;
      report(tags.scrollDepth, { maxPct });
    },
  };
}
