/**
 * Which sessions the trust job (trust-job.ts) still owes a run, kept in the index's own metadata so a restart, an
 * upgrade or a reindex neither loses nor repeats work:
 *   - `trust.version`  the job version the queue position belongs to (another version: the whole feed is read again)
 *   - `trust.cursor`   the queue position: every change up to this feed seq is accounted for (its session ran since,
 *                      or was erased); a restart reads the feed again from here
 *   - `trust.ran.<id>` per session: the job version that ran, the last change seq it covered, and its outcome
 * The sessions between the position and the feed's end are held in memory (rebuilt from the feed on a restart, the
 * per-session records saying which already ran). Ids and numbers only: nothing recorded is kept here.
 */
import type { Change } from '../../../store/change-feed';
import type { VerbatimStore } from '../../../store/store';
import type { SearchIndex } from '../search-index';

export interface Pending {
  sessionId: string;
  /** The first change not yet covered by a run, and the latest one. */
  firstSeq: number;
  lastSeq: number;
  /** When the latest change landed (epoch ms): the session is quiet from then. */
  lastAt: number;
}

export interface RanRecord {
  /** The job's version. */
  v: number;
  /** The last change of the session this run covered. */
  seq: number;
  outcome: 'indexed' | `skipped:${string}`;
}

/** Sessions held at once; the feed is read further once some have run (an upgrade re-queues every session). */
export const MAX_PENDING = 5_000;
const PAGE = 500;
const KEY = { version: 'trust.version', cursor: 'trust.cursor', ran: (id: string) => `trust.ran.${id}` };
/** Changes that alter what the job reads: the events, the captures and bodies, the WebSocket log. */
const GROWS = new Set<Change['type']>(['session.created', 'events.appended', 'capture.stored', 'websocket.stored']);

export class TrustQueue {
  private readonly pending = new Map<string, Pending>();
  /** How far the feed has been read into `pending` (≥ the persisted position). */
  private scanned = 0;
  private loaded = false;

  constructor(private readonly store: VerbatimStore, private readonly index: SearchIndex, private readonly version: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Reads the feed up to `upTo` (the search index's cursor: a session the index does not hold yet waits). */
  async scan(upTo: number): Promise<void> {
    await this.load();
    while (this.scanned < upTo && this.pending.size < MAX_PENDING) {
      const changes = await this.store.readChanges(this.scanned, Math.min(PAGE, upTo - this.scanned));
      if (!changes.length) break;
      for (const c of changes) {
        if (c.seq > upTo) break;
        await this.note(c);
        this.scanned = c.seq;
      }
    }
    if (!this.pending.size) await this.savePosition();
  }

  /** Sessions quiet for `quietMs`, longest quiet first (copies: a change while one runs keeps it queued). */
  due(now: number, quietMs: number): Pending[] {
    return [...this.pending.values()].filter((p) => now - p.lastAt >= quietMs).sort((a, b) => a.lastAt - b.lastAt).map((p) => ({ ...p }));
  }

  /** The run covered the session up to `p.lastSeq`; a change since keeps it queued. */
  async ran(p: Pending, outcome: RanRecord['outcome']): Promise<void> {
    await this.index.setMeta(KEY.ran(p.sessionId), JSON.stringify({ v: this.version, seq: p.lastSeq, outcome } satisfies RanRecord));
    const now = this.pending.get(p.sessionId);
    if (now && now.lastSeq <= p.lastSeq) this.pending.delete(p.sessionId);
    else if (now) now.firstSeq = p.lastSeq + 1;
    await this.savePosition();
  }

  /** The session is gone from the store: nothing of it stays here. */
  async forget(sessionId: string): Promise<void> {
    this.pending.delete(sessionId);
    await this.index.setMeta(KEY.ran(sessionId), undefined);
    await this.savePosition();
  }

  /** Tries again later (the index could not take the write). */
  postpone(p: Pending, now: number): void {
    const held = this.pending.get(p.sessionId);
    if (held) held.lastAt = now;
  }

  async record(sessionId: string): Promise<RanRecord | undefined> {
    const raw = await this.index.getMeta(KEY.ran(sessionId));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as RanRecord;
    } catch {
      return undefined;
    }
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    if (Number(await this.index.getMeta(KEY.version)) !== this.version) {
      // A new job version (or a reset index): every session is owed a run of it.
      await this.index.setMeta(KEY.cursor, '0');
      await this.index.setMeta(KEY.version, String(this.version));
    }
    this.scanned = Number(await this.index.getMeta(KEY.cursor)) || 0;
    this.loaded = true;
  }

  private async note(c: Change): Promise<void> {
    if (!('sessionId' in c) || !c.sessionId) return;
    if (c.type === 'session.erased') {
      this.pending.delete(c.sessionId);
      await this.index.setMeta(KEY.ran(c.sessionId), undefined);
      return;
    }
    if (!GROWS.has(c.type)) return;
    const held = this.pending.get(c.sessionId);
    if (held) {
      held.lastSeq = c.seq;
      held.lastAt = c.at;
      return;
    }
    // Read again after a restart: a run of this version already covered it.
    const ran = await this.record(c.sessionId);
    if (ran && ran.v === this.version && ran.seq >= c.seq) return;
    this.pending.set(c.sessionId, { sessionId: c.sessionId, firstSeq: c.seq, lastSeq: c.seq, lastAt: c.at });
  }

  /** Everything before the oldest change still owed a run is accounted for. */
  private async savePosition(): Promise<void> {
    let position = this.scanned;
    for (const p of this.pending.values()) position = Math.min(position, p.firstSeq - 1);
    await this.index.setMeta(KEY.cursor, String(position));
  }
}
