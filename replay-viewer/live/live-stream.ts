/**
 * One live view: a Server-Sent Events response that sends a tab's events so far, then every batch of that tab as the
 * store's change feed reports it (never polling the files), rewritten exactly as GET /events rewrites them
 * (replay/rewrite-events.ts: URLs archived, markup neutralised).
 *
 * Messages (`event:` names; data is JSON):
 *   snapshot  { tracks, track, active, keys, events }   the followed tab so far (or, resuming, what came after)
 *   batch     { key, events }                         one stored batch of the followed tab
 *   tracks    { tracks, track, active }               the tabs changed (a new tab opened, another became active)
 *   ping      { now }                                 heartbeat, every HEARTBEAT_MS
 *   end       { reason }                              idle, erased, slow-client, regrouped (start over), shutdown
 * Each message's `id:` is the change-feed seq it stands at; a reconnecting EventSource sends it back as Last-Event-ID
 * and the stream resends every batch stored after it. Batches are named by `key` (page id and batch seq) so the
 * client drops one it already has: a resend overlaps rather than leaves a gap.
 *
 * Memory is bounded: what the client has not read yet stays in the socket's buffer, and a client more than
 * `bufferBytes` behind is cut off (`end` with reason `slow-client`) instead of growing it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Change } from '../../store/change-feed';
import type { EventBatch, RecordedEvent, Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import { baseHeaders } from '../http-responses';
import { createEventRewriter } from '../replay/rewrite-events';
import type { TabTrack } from '../replay/tab-tracks';
import type { LiveHub } from './live-hub';
import { LiveTracks } from './live-tracks';

export const HEARTBEAT_MS = 5_000;
/** No new batch for this long and the view ends (`end`, reason `idle`); the recorder uploads at least every 5 s. */
export const DEFAULT_IDLE_MS = 5 * 60_000;
/** Bytes a client may fall behind (beyond the snapshot itself) before it is cut off. */
export const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;
/** How far back a Last-Event-ID may point: older, and the client gets a fresh snapshot. */
const MAX_RESUME_CHANGES = 50_000;
/** EventSource waits this long before reconnecting. */
const RETRY_MS = 1_000;

/**
 * `regrouped`: a page this stream sent turned out to belong to another tab (a tab that looked idle, so that a new tab
 * looked like its navigation, was used again): the client starts over with a fresh snapshot.
 */
export type EndReason = 'idle' | 'erased' | 'slow-client' | 'closed' | 'shutdown' | 'regrouped';

export interface LiveStreamOptions {
  store: VerbatimStore;
  hub: LiveHub;
  session: Session;
  req: IncomingMessage;
  res: ServerResponse;
  /** `?track=N`; else the tab in use. */
  track?: number;
  /** Last-Event-ID: the feed seq the client has everything up to. */
  resumeFrom?: number;
  idleMs?: number;
  bufferBytes?: number;
  /** Told once when the view ends, with how long it lasted. */
  onEnd?: (reason: EndReason, durationMs: number) => void;
}

export async function streamLive(opts: LiveStreamOptions): Promise<void> {
  const stream = new LiveStream(opts);
  await stream.open();
}

class LiveStream {
  private readonly startedAt = Date.now();
  private readonly known = new Set<string>();
  private readonly tracks = new LiveTracks();
  private readonly queue: Change[] = [];
  private ready = false;
  private chain: Promise<void> = Promise.resolve();
  private detach: (() => void) | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  /** The snapshot may be large; the cut-off counts what is queued beyond it. */
  private allowance = 0;
  private followed: string | undefined;
  /** Pages whose events this stream has sent (all must stay in the followed tab). */
  private readonly sentPages = new Set<string>();
  private trackIndex = 0;
  private lastShape = '';
  private rewrite: ReturnType<typeof createEventRewriter> | undefined;
  private readonly idleMs: number;
  private readonly bufferBytes: number;

  constructor(private readonly opts: LiveStreamOptions) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.bufferBytes = opts.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  }

  async open(): Promise<void> {
    const { store, hub, session, res, req } = this.opts;
    // Attach before reading, so nothing stored meanwhile is missed; what the read already holds is skipped by key.
    this.detach = await hub.attach(session.id, (change) => {
      if (this.ready) this.enqueue(change);
      else this.queue.push(change);
    });
    req.on('close', () => this.end('closed', false));
    res.on('close', () => this.end('closed', false));
    try {
      const head = hub.headSeq;
      const batches = await store.readEvents(session.id);
      const resumeKeys = this.opts.resumeFrom !== undefined && this.opts.resumeFrom <= head
        ? await this.keysAfter(this.opts.resumeFrom) : undefined;
      for (const b of batches) this.tracks.add(b);
      const tracks = this.tracks.tracks();
      const last = Math.max(0, tracks.length - 1);
      if (this.opts.track !== undefined && this.opts.track > last) {
        throw new VerbatimError('BAD_REQUEST', `Query parameter track must be between 0 and ${last}`, { sessionId: session.id });
      }
      this.trackIndex = this.opts.track ?? this.tracks.active(tracks);
      this.followed = tracks[this.trackIndex]?.pageIds[0];
      const pageUrl = tracks[this.trackIndex]?.url ?? session.pages[0]?.url;
      this.rewrite = createEventRewriter({ sessionId: session.id, pageUrl });

      // The followed tab in time order, each event tagged with its batch so a resume can send only the newer ones.
      const pageIds = new Set(tracks[this.trackIndex]?.pageIds ?? []);
      for (const id of pageIds) this.sentPages.add(id);
      const tagged: { event: RecordedEvent; key: string }[] = [];
      for (const b of batches) {
        const key = batchKey(b.page.id, b.seq);
        this.known.add(key);
        if (!pageIds.has(b.page.id)) continue;
        for (const event of b.events) if (event && Number.isFinite(event.timestamp)) tagged.push({ event, key });
      }
      tagged.sort((a, b) => a.event.timestamp - b.event.timestamp);
      // Every event goes through the rewriter (it learns the nodes); a resume sends only those it lacks.
      const rewritten = this.rewrite(tagged.map((t) => t.event));
      // Resuming: what came after Last-Event-ID, as batches (by key, so the client drops what it already has).
      const missed = new Map<string, RecordedEvent[]>();
      if (resumeKeys) {
        tagged.forEach((t, i) => {
          if (!resumeKeys.has(t.key)) return;
          const list = missed.get(t.key) ?? [];
          list.push(rewritten[i]!);
          missed.set(t.key, list);
        });
      }
      const events = resumeKeys ? [] : rewritten;
      const keys = resumeKeys ? [] : [...new Set(tagged.map((t) => t.key))];

      baseHeaders(res);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
        'X-Accel-Buffering': 'no',
      });
      res.write(`retry: ${RETRY_MS}\n\n`);
      this.lastShape = shape(tracks, this.trackIndex, this.tracks.active(tracks));
      this.send('snapshot', { ...this.trackInfo(tracks), keys, events, resumed: resumeKeys !== undefined }, head);
      for (const [key, batchEvents] of missed) this.send('batch', { key, events: batchEvents }, head);
      this.allowance = res.writableLength;
    } catch (err) {
      this.end('closed', false);
      throw err;
    }
    this.heartbeat = setInterval(() => this.send('ping', { now: Date.now() }), HEARTBEAT_MS);
    this.heartbeat.unref?.();
    this.armIdle(this.tracks.lastEventAt() ?? this.opts.session.endedAt);
    this.ready = true;
    for (const change of this.queue.splice(0)) this.enqueue(change);
  }

  /** Changes are handled one at a time, in feed order. */
  private enqueue(change: Change): void {
    this.chain = this.chain.then(() => this.onChange(change)).catch(() => this.end('closed'));
  }

  private async onChange(change: Change): Promise<void> {
    if (this.ended) return;
    if (change.type === 'session.erased') return this.end('erased');
    if (change.type !== 'events.appended') return;
    const key = batchKey(change.pageId, change.batchSeq);
    if (this.known.has(key)) return;
    const batch = await this.opts.store.getEventBatch(change.sessionId, change.pageId, change.batchSeq);
    if (!batch || this.ended) return;
    this.known.add(key);
    this.tracks.add(batch);
    const tracks = this.tracks.tracks();
    const index = tracks.findIndex((t) => t.pageIds[0] === this.followed);
    if (index >= 0) this.trackIndex = index;
    const followedPages = new Set(tracks[this.trackIndex]?.pageIds ?? []);
    if (index < 0 || [...this.sentPages].some((id) => !followedPages.has(id))) return this.end('regrouped');
    const now = shape(tracks, this.trackIndex, this.tracks.active(tracks));
    if (now !== this.lastShape) {
      this.lastShape = now;
      this.send('tracks', this.trackInfo(tracks), change.seq);
    }
    if (followedPages.has(batch.page.id)) {
      this.sentPages.add(batch.page.id);
      const events = batch.events.filter((e) => e && Number.isFinite(e.timestamp)).sort((a, b) => a.timestamp - b.timestamp);
      this.send('batch', { key, events: this.rewrite!(events) }, change.seq);
    } else {
      // The client still learns the feed moved on, so a resume does not resend this batch.
      this.send('ping', { now: Date.now() }, change.seq);
    }
    this.armIdle(Date.now());
  }

  private trackInfo(tracks: TabTrack[]): { tracks: TabTrack[]; track: number; active: number } {
    return { tracks, track: this.trackIndex, active: this.tracks.active(tracks) };
  }

  /** Keys of this session's batches stored after `seq` (a reconnect's Last-Event-ID). */
  private async keysAfter(seq: number): Promise<Set<string> | undefined> {
    const keys = new Set<string>();
    let cursor = seq;
    for (let read = 0; read < MAX_RESUME_CHANGES;) {
      const changes = await this.opts.store.readChanges(cursor, 1000);
      for (const c of changes) {
        if (c.type === 'events.appended' && c.sessionId === this.opts.session.id) keys.add(batchKey(c.pageId, c.batchSeq));
      }
      if (changes.length < 1000) return keys;
      read += changes.length;
      cursor = changes[changes.length - 1]!.seq;
    }
    return undefined; // too far behind: a fresh snapshot
  }

  private armIdle(lastActivity: number): void {
    clearTimeout(this.idleTimer);
    const wait = Math.max(0, lastActivity + this.idleMs - Date.now());
    this.idleTimer = setTimeout(() => this.end('idle'), wait);
    this.idleTimer.unref?.();
  }

  private send(event: string, data: unknown, id?: number): void {
    const { res } = this.opts;
    if (this.ended || res.destroyed) return;
    if (res.writableLength > this.allowance + this.bufferBytes) return this.end('slow-client');
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(reason: EndReason, tell = true): void {
    if (this.ended) return;
    const { res } = this.opts;
    if (tell && !res.destroyed && res.headersSent) {
      // Written past the limit on purpose: it is the last thing this client gets.
      res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    }
    this.ended = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.idleTimer);
    this.detach?.();
    if (res.headersSent && !res.writableEnded) res.end();
    // A client that does not read what is left is not kept waiting on.
    if (reason === 'slow-client') setTimeout(() => res.destroy(), 5_000).unref();
    if (res.headersSent) this.opts.onEnd?.(reason, Date.now() - this.startedAt);
  }
}

function batchKey(pageId: string, seq: number): string {
  return `${pageId}:${seq}`;
}

/** What the client's tab picker shows: tracks and their pages, which one is followed, which one is in use. */
function shape(tracks: TabTrack[], track: number, active: number): string {
  return JSON.stringify([tracks.map((t) => t.pageIds.length), track, active]);
}
