/**
 * One session can span several tabs. rrweb's node ids belong to one document, so
 * events of two pages open at the same time must never be replayed as one stream.
 * Pages are grouped into tracks: a track is a chain of pages that did not overlap
 * in time (one tab navigating); a page that started while another was still
 * recording starts a new track (another tab).
 */
import type { EventBatch, RecordedEvent } from '../../store/records';

export interface TabTrack {
  index: number;
  pageIds: string[];
  startedAt: number;
  endedAt: number;
  /** URL of the track's first page, for the tab picker. */
  url: string;
}

/** Events of a page's last batches (pagehide) may trail the next page's first events by this much. */
const NAVIGATION_SLACK_MS = 250;

export function groupTracks(batches: EventBatch[]): TabTrack[] {
  const pages = new Map<string, { id: string; url: string; start: number; end: number }>();
  for (const batch of batches) {
    for (const e of batch.events) {
      if (typeof e?.timestamp !== 'number' || !Number.isFinite(e.timestamp)) continue;
      const page = pages.get(batch.page.id) ?? { id: batch.page.id, url: batch.page.url, start: e.timestamp, end: e.timestamp };
      page.start = Math.min(page.start, e.timestamp);
      page.end = Math.max(page.end, e.timestamp);
      pages.set(batch.page.id, page);
    }
  }
  const tracks: TabTrack[] = [];
  for (const page of [...pages.values()].sort((a, b) => a.start - b.start)) {
    const track = tracks.find((t) => page.start >= t.endedAt - NAVIGATION_SLACK_MS);
    if (track) {
      track.pageIds.push(page.id);
      track.endedAt = Math.max(track.endedAt, page.end);
    } else {
      tracks.push({ index: tracks.length, pageIds: [page.id], startedAt: page.start, endedAt: page.end, url: page.url });
    }
  }
  return tracks;
}

/** The track to show for a moment: the one whose latest event at or before `at` is the most recent (the tab in use). */
export function trackAt(tracks: TabTrack[], batches: EventBatch[], at: number): number {
  let best = 0;
  let bestTime = -Infinity;
  const trackOf = new Map<string, number>();
  for (const t of tracks) for (const id of t.pageIds) trackOf.set(id, t.index);
  for (const batch of batches) {
    for (const e of batch.events) {
      if (e.timestamp <= at && e.timestamp > bestTime) {
        bestTime = e.timestamp;
        best = trackOf.get(batch.page.id) ?? 0;
      }
    }
  }
  return best;
}

/** The time-ordered events of one track. */
export function trackEvents(tracks: TabTrack[], batches: EventBatch[], index: number): RecordedEvent[] {
  const pageIds = new Set(tracks[index]?.pageIds ?? []);
  const events = batches
    .filter((b) => pageIds.has(b.page.id))
    .flatMap((b) => b.events)
    .filter((e) => e && typeof e.timestamp === 'number' && Number.isFinite(e.timestamp));
  // Array.prototype.sort is stable: equal timestamps keep their recorded order.
  return events.sort((a, b) => a.timestamp - b.timestamp);
}
