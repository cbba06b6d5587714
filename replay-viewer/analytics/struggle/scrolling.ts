/**
 * Excessive scrolling on one page: within scrollWindowMs, either scrollMinReversals changes of vertical direction
 * (each after a swing of scrollMinSwingPx) or more than scrollMaxViewports viewport heights travelled. Positions are
 * followed per scrolled element (the document and each scrollable box separately). One signal per window: after a
 * signal the counts start again.
 */
import type { Thresholds } from './thresholds';

/** Scrolled elements followed per page, and moments kept per window (pruned by time; this bounds a forged flood). */
const MAX_SCROLLERS = 200;
const MAX_MOMENTS = 5_000;

interface Scroller {
  y: number;
  dir: number;
  /** The farthest y in the current direction. */
  extreme: number;
}

export interface ScrollFinding {
  at: number;
  reversals: number;
  distancePx: number;
}

export class ScrollWatch {
  private readonly scrollers = new Map<number, Scroller>();
  private reversals: number[] = [];
  private moves: { at: number; px: number }[] = [];
  private distance = 0;

  constructor(private readonly t: Thresholds) {}

  /** One Scroll event; `viewportHeight` from the page's Meta event or batch (0: unknown, distance not judged). */
  scroll(at: number, id: number, y: number, viewportHeight: number): ScrollFinding | undefined {
    const s = this.scrollers.get(id);
    if (!s) {
      if (this.scrollers.size < MAX_SCROLLERS) this.scrollers.set(id, { y, dir: 0, extreme: y });
      return undefined;
    }
    const dy = y - s.y;
    s.y = y;
    if (dy === 0) return undefined;
    this.prune(at);
    if (this.moves.length < MAX_MOMENTS) {
      this.moves.push({ at, px: Math.abs(dy) });
      this.distance += Math.abs(dy);
    }
    const away = y - s.extreme;
    if (s.dir === 0 || Math.sign(away) === s.dir) {
      if (s.dir === 0 && Math.abs(away) < this.t.scrollMinSwingPx) return this.judge(at, viewportHeight);
      if (s.dir === 0) s.dir = Math.sign(away);
      s.extreme = y;
    } else if (Math.abs(away) >= this.t.scrollMinSwingPx) {
      s.dir = -s.dir;
      s.extreme = y;
      if (this.reversals.length < MAX_MOMENTS) this.reversals.push(at);
    }
    return this.judge(at, viewportHeight);
  }

  private judge(at: number, viewportHeight: number): ScrollFinding | undefined {
    const tooManyTurns = this.reversals.length >= this.t.scrollMinReversals;
    const tooFar = viewportHeight > 0 && this.distance > this.t.scrollMaxViewports * viewportHeight;
    if (!tooManyTurns && !tooFar) return undefined;
    const finding = { at: Math.min(this.reversals[0] ?? at, this.moves[0]?.at ?? at), reversals: this.reversals.length, distancePx: Math.round(this.distance) };
    this.reversals = [];
    this.moves = [];
    this.distance = 0;
    return finding;
  }

  private prune(at: number): void {
    const from = at - this.t.scrollWindowMs;
    let r = 0;
    while (r < this.reversals.length && this.reversals[r]! < from) r++;
    if (r) this.reversals = this.reversals.slice(r);
    let m = 0;
    while (m < this.moves.length && this.moves[m]!.at < from) this.distance -= this.moves[m++]!.px;
    if (m) this.moves = this.moves.slice(m);
  }
}
