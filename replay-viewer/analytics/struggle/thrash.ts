/**
 * Thrashed cursor: the pointer shaken left and right. A change of horizontal direction counts only after the pointer
 * travelled thrashMinSwingPx the other way from its farthest point (a trembling hand or a noisy sensor does not
 * count); a thrash is a chain of thrashMinChanges changes, each within thrashGapMs of the one before.
 * One signal per chain, at the chain's first change.
 */
import type { Thresholds } from './thresholds';

export class ThrashWatch {
  private dir = 0;
  /** The farthest x in the current direction (or the first x while no direction is known). */
  private extreme: number | undefined;
  private changes = 0;
  private chainStart = 0;
  private lastChange = -Infinity;
  private reported = false;

  constructor(private readonly t: Thresholds) {}

  /** One pointer position; returns the chain's start moment when this position completes a thrash. */
  move(at: number, x: number): number | undefined {
    if (this.extreme === undefined) {
      this.extreme = x;
      return undefined;
    }
    const delta = x - this.extreme;
    if (this.dir === 0) {
      if (Math.abs(delta) >= this.t.thrashMinSwingPx && delta !== 0) {
        this.dir = Math.sign(delta);
        this.extreme = x;
      }
      return undefined;
    }
    if (Math.sign(delta) === this.dir) {
      this.extreme = x;
      return undefined;
    }
    if (Math.abs(delta) < this.t.thrashMinSwingPx || delta === 0) return undefined;
    // A change of direction.
    this.dir = -this.dir;
    this.extreme = x;
    if (at - this.lastChange <= this.t.thrashGapMs && at >= this.lastChange) {
      this.changes++;
    } else {
      this.changes = 1;
      this.chainStart = at;
      this.reported = false;
    }
    this.lastChange = at;
    if (this.changes >= this.t.thrashMinChanges && !this.reported) {
      this.reported = true;
      return this.chainStart;
    }
    return undefined;
  }
}
