/**
 * A deep link into a session (`?at=<epoch ms>`): which of a track's events draw the frame at that moment.
 * rrweb replays a paused moment from the last Meta event at or before it (its `discardPriorSnapshots`), and a
 * Meta is followed by a full snapshot (a page load, or the recorder's periodic checkout: recorder/), so the
 * frame needs only the events from that Meta up to the moment shown, not the session's start.
 */
import type { CachedTrack } from './event-cache';
import { displayTime } from './display-moment';

export interface FrameRange {
  /** First event of the frame: the Meta rrweb starts from (0 when there is none before the moment). */
  start: number;
  /** One past the last event the frame applies (events after the moment shown are not needed to draw it). */
  end: number;
  /** The moment shown (epoch ms), as the player computes it (display-moment.ts). */
  shown: number;
}

export function frameRange(track: CachedTrack, at: number): FrameRange {
  const { timestamps: ts, metas, snapshots } = track;
  if (ts.length === 0) return { start: 0, end: 0, shown: at };
  // As the player does: the moment clamped into the recording.
  const first = ts[0]!;
  const clamped = Math.min(ts[ts.length - 1]!, Math.max(first, at));
  const shown = displayTime(metas.map((i) => ts[i]!), snapshots.map((i) => ts[i]!), clamped);
  let start = 0;
  for (const i of metas) if (ts[i]! <= shown) start = i;
  let end = start;
  while (end < ts.length && ts[end]! <= shown) end++;
  return { start, end, shown };
}
