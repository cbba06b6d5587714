/**
 * The replay's read model, kept warm: per session, its tab tracks and each track's events rewritten
 * (session-events.ts) and serialised once, one JSON text per event, with the positions a replay can start
 * from (a full snapshot and the Meta before it). Reading, decrypting, rewriting and serialising an hour of
 * events costs far more than answering from these; a deep link then costs a slice of strings.
 *
 * Bounded: an LRU over the serialised size (lru-cache, docs/ARCHITECTURE.md), and a time to live so the
 * text of an erased session does not stay in memory long (an erased session is refused before the cache
 * is consulted: the routes read the session record on every request). An entry belongs to one state of
 * the session: the session record's event count and end time, which every append moves on.
 */
import { LRUCache } from 'lru-cache';
import type { EventBatch, Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import { rewriteEvents } from './rewrite-events';
import { groupTracks, trackEvents, type TabTrack } from './tab-tracks';
import type { TrackChoice } from './session-events';
import { EventType } from '../../recorder/rrweb-wire';


/** One track's events, rewritten and serialised. */
export interface CachedTrack {
  /** `JSON.stringify` of each event, time-ordered: exactly the elements of `/events`' `events` array. */
  lines: string[];
  timestamps: number[];
  /** Index of each Meta event (a page load or a checkout: rrweb starts a replay at the last one before a moment). */
  metas: number[];
  /** Index of each full snapshot. */
  snapshots: number[];
}

export interface CachedSession {
  tracks: TabTrack[];
  track(index: number): CachedTrack;
  /** The track `choice` names (`track`, else the tab in use at `at`, else the first); BAD_REQUEST when out of range. */
  choose(choice: TrackChoice): number;
}

export interface EventCacheOptions {
  /** Upper bound of the serialised text kept, in UTF-16 code units (default 256 Mi: 512 MB at most). */
  maxChars?: number;
  /** How long an entry lives without being asked for again (default 10 minutes). */
  ttlMs?: number;
}

interface Entry {
  version: string;
  session: CachedSession;
  /** Filled as tracks are built; lru-cache reads the size once, at set: see `size()`. */
  chars: number;
}

export class ReplayEventCache {
  private readonly lru: LRUCache<string, Entry>;
  /** Sessions being loaded, so that concurrent deep links into one session read it once. */
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(private readonly store: VerbatimStore, options: EventCacheOptions = {}) {
    this.lru = new LRUCache<string, Entry>({
      maxSize: options.maxChars ?? 256 * 1024 * 1024,
      sizeCalculation: (e) => Math.max(1, e.chars),
      ttl: options.ttlMs ?? 10 * 60_000,
      updateAgeOnGet: true,
    });
  }

  /** The session's read model as of `session` (the record just read), from the cache when it is still current. */
  async get(session: Session): Promise<CachedSession> {
    const version = `${session.eventCount}:${session.endedAt}:${session.pages.length}`;
    const hit = this.lru.get(session.id);
    if (hit?.version === version) return hit.session;
    const key = `${session.id}@${version}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(session, version).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return (await pending).session;
  }

  /** Forget a session (erased, or regrouped). */
  delete(sessionId: string): void {
    this.lru.delete(sessionId);
  }

  private async load(session: Session, version: string): Promise<Entry> {
    const batches = await this.store.readEvents(session.id);
    const tracks = groupTracks(batches);
    const built = new Map<number, CachedTrack>();
    const entry: Entry = { version, chars: 0, session: undefined as unknown as CachedSession };
    // Every track at once: rewriting is the expensive part, and the size must be known when the entry is set.
    for (const t of tracks) {
      const track = buildTrack(session, tracks, batches, t.index);
      built.set(t.index, track);
      entry.chars += track.lines.reduce((n, l) => n + l.length, 0);
    }
    const at = atIndex(tracks, batches);
    entry.session = {
      tracks,
      track: (index) => built.get(index) ?? EMPTY_TRACK,
      choose: (choice) => {
        const last = Math.max(0, tracks.length - 1);
        if (choice.track !== undefined && (choice.track < 0 || choice.track > last)) {
          throw new VerbatimError('BAD_REQUEST', `Query parameter track must be between 0 and ${last}`, { sessionId: session.id });
        }
        return choice.track ?? (choice.at !== undefined ? at(choice.at) : 0);
      },
    };
    this.lru.set(session.id, entry);
    return entry;
  }
}

const EMPTY_TRACK: CachedTrack = { lines: [], timestamps: [], metas: [], snapshots: [] };

/** Exactly what session-events.ts serves for one track, serialised per event. */
function buildTrack(session: Session, tracks: TabTrack[], batches: EventBatch[], index: number): CachedTrack {
  const firstPage = tracks[index]?.pageIds[0];
  const pageUrl = batches.find((b) => b.page.id === firstPage)?.page.url ?? session.pages[0]?.url;
  const events = rewriteEvents(trackEvents(tracks, batches, index), { sessionId: session.id, pageUrl });
  const metas: number[] = [];
  const snapshots: number[] = [];
  events.forEach((e, i) => {
    if (e.type === EventType.Meta) metas.push(i);
    else if (e.type === EventType.FullSnapshot) snapshots.push(i);
  });
  return { lines: events.map((e) => JSON.stringify(e)), timestamps: events.map((e) => e.timestamp), metas, snapshots };
}

/**
 * tab-tracks.ts's `trackAt` over numbers kept from the batches (the batches themselves are not kept): the
 * track whose latest event at or before `at` is the most recent, the first such in batch order on a tie.
 */
function atIndex(tracks: TabTrack[], batches: EventBatch[]): (at: number) => number {
  const trackOf = new Map<string, number>();
  for (const t of tracks) for (const id of t.pageIds) trackOf.set(id, t.index);
  const stamps: number[] = [];
  const owners: number[] = [];
  for (const batch of batches) {
    for (const e of batch.events) {
      stamps.push(e.timestamp);
      owners.push(trackOf.get(batch.page.id) ?? 0);
    }
  }
  return (at) => {
    let best = 0;
    let bestTime = -Infinity;
    for (let i = 0; i < stamps.length; i++) {
      if (stamps[i]! <= at && stamps[i]! > bestTime) {
        bestTime = stamps[i]!;
        best = owners[i]!;
      }
    }
    return best;
  };
}
