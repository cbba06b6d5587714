/**
 * The events a replay plays: one tab track of a session (tab-tracks.ts), time
 * ordered, with every resource URL pointed at the archive and recorded markup
 * neutralised (rewrite-events.ts).
 */
import type { EventBatch, RecordedEvent, Session } from '../../store/records';
import { VerbatimError } from '../../store/errors';
import { rewriteEvents } from './rewrite-events';
import { groupTracks, trackAt, trackEvents, type TabTrack } from './tab-tracks';

export interface SessionEvents {
  events: RecordedEvent[];
  /** Every tab track of the session, for the tab picker. */
  tracks: TabTrack[];
  /** The track `events` belong to. */
  track: number;
}

export interface TrackChoice {
  /** A track index; BAD_REQUEST when the session has no such track. */
  track?: number;
  /** Else the track in use at this moment (epoch ms); else the first. */
  at?: number;
}

export function sessionEvents(session: Session, batches: EventBatch[], choice: TrackChoice = {}): SessionEvents {
  const tracks = groupTracks(batches);
  const last = Math.max(0, tracks.length - 1);
  if (choice.track !== undefined && (choice.track < 0 || choice.track > last)) {
    throw new VerbatimError('BAD_REQUEST', `Query parameter track must be between 0 and ${last}`, { sessionId: session.id });
  }
  const track = choice.track ?? (choice.at !== undefined ? trackAt(tracks, batches, choice.at) : 0);
  const events = trackEvents(tracks, batches, track);
  const firstPage = tracks[track]?.pageIds[0];
  const pageUrl = batches.find((b) => b.page.id === firstPage)?.page.url ?? session.pages[0]?.url;
  return { events: rewriteEvents(events, { sessionId: session.id, pageUrl }), tracks, track };
}
