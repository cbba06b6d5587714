/**
 * Skip inactivity: stretches with no input and no change of the page (no rrweb incremental event, no page load)
 * longer than INACTIVITY_MS are fast-forwarded while playing, leaving SKIP_MARGIN_MS of stillness at each end so
 * the customer's pause still reads as one. The threshold is the player's own (analytics/struggle/thresholds.ts
 * judges struggle, not playback): 10 s, about what PostHog and OpenReplay skip.
 */
import type { RecordedEvent } from '../../store/records';
import { EventType } from '../../recorder/rrweb-wire';

export const INACTIVITY_MS = 10_000;
export const SKIP_MARGIN_MS = 1_000;


export interface IdleGap {
  /** The skip: from (last activity + margin) to (next activity − margin), ms after the first event. */
  from: number;
  to: number;
}

export function idleGaps(events: readonly RecordedEvent[], first: number): IdleGap[] {
  const gaps: IdleGap[] = [];
  let last: number | undefined;
  for (const e of events) {
    if (e.type !== EventType.IncrementalSnapshot && e.type !== EventType.FullSnapshot && e.type !== EventType.Meta) continue;
    const at = e.timestamp - first;
    if (last !== undefined && at - last > INACTIVITY_MS) gaps.push({ from: last + SKIP_MARGIN_MS, to: at - SKIP_MARGIN_MS });
    last = at;
  }
  return gaps;
}

/** Where playback at `offset` should jump to, or undefined when it is not inside a skipped stretch. */
export function skipTarget(gaps: readonly IdleGap[], offset: number): number | undefined {
  for (const g of gaps) if (offset >= g.from && offset < g.to) return g.to;
  return undefined;
}
