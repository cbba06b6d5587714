/**
 * The tab tracks of a session that is still growing. The live stream keeps one summary per page (first and last event
 * time, URL) instead of every batch, and groups pages into tracks the same way the replay does (replay/tab-tracks.ts),
 * so a live view and a later replay agree on which tab is which.
 */
import type { EventBatch } from '../../store/records';
import { groupTracks, type TabTrack } from '../replay/tab-tracks';

export interface PageSpan {
  id: string;
  url: string;
  start: number;
  end: number;
}

export class LiveTracks {
  private readonly pages = new Map<string, PageSpan>();

  add(batch: EventBatch): void {
    for (const e of batch.events) {
      if (typeof e?.timestamp !== 'number' || !Number.isFinite(e.timestamp)) continue;
      const page = this.pages.get(batch.page.id);
      if (!page) this.pages.set(batch.page.id, { id: batch.page.id, url: batch.page.url, start: e.timestamp, end: e.timestamp });
      else {
        page.start = Math.min(page.start, e.timestamp);
        page.end = Math.max(page.end, e.timestamp);
      }
    }
  }

  /** The tracks now: groupTracks over two-event stand-ins for each page (only first and last times matter to it). */
  tracks(): TabTrack[] {
    return groupTracks([...this.pages.values()].map((p) => ({
      sessionId: '', page: { id: p.id, url: p.url }, seq: 0, receivedAt: 0,
      events: [{ type: 0, timestamp: p.start, data: {} }, { type: 0, timestamp: p.end, data: {} }],
    })));
  }

  /** The track whose latest event is the newest: the tab the customer is using. */
  active(tracks: TabTrack[]): number {
    let best = 0;
    let bestTime = -Infinity;
    for (const t of tracks) {
      if (t.endedAt > bestTime) {
        bestTime = t.endedAt;
        best = t.index;
      }
    }
    return best;
  }

  /** The newest event time of the session (for idleness). */
  lastEventAt(): number | undefined {
    let last: number | undefined;
    for (const p of this.pages.values()) last = last === undefined ? p.end : Math.max(last, p.end);
    return last;
  }
}
