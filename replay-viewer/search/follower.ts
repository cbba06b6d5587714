/**
 * Keeps the search index up with the store: reads the change feed from the index's own cursor (readChanges), then
 * follows it live (subscribe), a page of changes at a time, each page written with its cursor in one transaction.
 * Off the request path: the store's listener only wakes the loop, which reads records through the store API after a
 * short pause that lets ingest's small commits gather into one index write. The follower only reads; extraction and
 * the index write are a PageApplier's (page-applier.ts), on the search worker thread when one runs
 * (worker-applier.ts). A change whose record cannot be decoded, or cannot be extracted, is logged by its seq and
 * skipped; one the store cannot read for now (an object store timing out or answering 5xx: transient-error.ts) is read
 * again after a pause, and while it stays unreadable the follower stops before it and tries again later, so a passing
 * outage never leaves a session out of the index. A page the index cannot write is retried a few times, then skipped.
 */
import type { Change } from '../../store/change-feed';
import { isVerbatimError } from '../../store/errors';
import type { EventBatch } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import type { BusyPacer } from './busy-pacer';
import type { ExtractorFactory } from './extractor-port';
import { PageApplier, codeOf, type PageApplierPort } from './page-applier';
import type { AppliedPage, ReadChange, ReadSession } from './read-page';
import type { SearchIndex } from './search-index';
import { isPassingReadError } from './transient-error';

export interface FollowerOptions {
  store: VerbatimStore;
  index: SearchIndex;
  createExtractor: ExtractorFactory;
  /** Where pages are extracted and written (default: in-process, on `index` with `createExtractor`). */
  applier?: PageApplierPort;
  /** Changes per index transaction (default 500). */
  pageSize?: number;
  /** A page ends early once it holds this many hits (default MAX_HITS_PER_WRITE). */
  maxHitsPerWrite?: number;
  /** Pause after a wake-up before reading, gathering changes (default 250 ms). */
  gatherMs?: number;
  /**
   * Also read the feed this often when nothing was heard: a store several instances write (multiWriter) tells its
   * subscribers of this instance's own changes only, and the instance writing a shared index may record nothing.
   */
  pollMs?: number;
  /** Live following only: wait while the proxy's thread is busy before each page (busy-pacer.ts). */
  pacer?: BusyPacer;
  /** Pauses before retrying a page the index could not write (default 1 s, 5 s, 15 s). */
  retryMs?: number[];
  /** Pauses before reading a change again after a passing store failure (default 0.25 s, 1 s, 4 s). */
  readRetryMs?: number[];
  /** Live following: after those, the follower stops before the change and tries again after this (default 15 s). */
  stalledRetryMs?: number;
  /** Codes and seqs only: never record content or search terms. */
  log?: (message: string) => void;
  /** After each applied page: the cursor. */
  onApplied?: (cursor: number) => void;
  /** After each applied page: where its time went and how late its changes were (the bench's profile). */
  onProfile?: (p: PageProfile) => void;
}

export interface PageProfile extends AppliedPage {
  changes: number;
  /** Awaiting the store's reads (the main thread decodes what LevelDB returns). */
  readMs: number;
  /** From handing the page to the applier to its answer (the whole apply when it runs in-process). */
  applyMs: number;
  /** Per applied events.appended change: from its store commit to its page's commit in the index. */
  lagMs: number[];
}

/** Sessions whose pages were met lately, mirrored from the applier's extractors (which say what they drop). */
const MAX_SEEN = 2_000;

export class SearchFollower {
  /** Pages each session's extractor has met, as far as the follower knows: a page met part-way is warmed up. */
  private readonly seen = new Map<string, Set<string>>();
  private readonly applier: PageApplierPort;
  private unsubscribe: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private wanted = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  /** A passing store failure the last page stopped at (its change is read again next time). */
  private stalled: unknown;

  constructor(private readonly opts: FollowerOptions) {
    this.applier = opts.applier ?? new PageApplier({
      index: opts.index, createExtractor: opts.createExtractor, maxHitsPerWrite: opts.maxHitsPerWrite, retryMs: opts.retryMs,
      log: (m) => this.log(m),
    });
  }

  /** Catches up, then follows the feed until stop(). */
  start(): void {
    this.stopped = false;
    this.unsubscribe = this.opts.store.subscribe(() => this.wake());
    if (this.opts.pollMs) {
      this.poll = setInterval(() => this.wake(0), this.opts.pollMs);
      this.poll.unref();
    }
    this.wake(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.poll);
    clearTimeout(this.timer);
    await this.loop;
  }

  /** Whether nothing is running or waiting (tests wait for this). */
  get idle(): boolean {
    return !this.loop && !this.timer;
  }

  /** Drops every session's extractor state (a rebuild starts from nothing). */
  forgetExtractors(): void {
    this.seen.clear();
    this.applier.forget();
  }

  /**
   * Applies every change after the index's cursor; resolves with the cursor reached. With a pacer (live following),
   * each page waits until the proxy's thread is not busy, or until the pacer's longest wait ran out.
   */
  async catchUp(onPage?: (cursor: number) => void, pacer?: BusyPacer): Promise<number> {
    let cursor = await this.opts.index.cursor();
    for (;;) {
      if (this.stopped) return cursor;
      await pacer?.whenQuiet(() => this.stopped);
      if (this.stopped) return cursor;
      const changes = await this.opts.store.readChanges(cursor, this.opts.pageSize ?? 500);
      if (!changes.length) return cursor;
      try {
        cursor = await this.applyPage(changes);
      } catch (err) {
        if (!isVerbatimError(err, 'SEARCH_WORKER_LOST') || this.stopped) throw err;
        // The worker died with the page: it committed it or not, the index's cursor says which. The applier now
        // runs in-process with fresh extractors, so every page met again is warmed up.
        this.seen.clear();
        cursor = await this.opts.index.cursor();
        continue;
      }
      onPage?.(cursor);
      const stalled = this.stalled;
      this.stalled = undefined;
      if (stalled !== undefined) throw stalled;
    }
  }

  private wake(delay = this.opts.gatherMs ?? 250): void {
    this.wanted = true;
    if (this.loop || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.loop = this.run().then((retryIn) => {
        this.loop = undefined;
        if (retryIn !== undefined && !this.stopped) this.wake(retryIn);
        else if (this.wanted && !this.stopped) this.wake();
      });
    }, delay);
    this.timer.unref();
  }

  /** Resolves with a pause after which to try again when the store failed in passing (no change may come to wake us). */
  private async run(): Promise<number | undefined> {
    this.wanted = false;
    try {
      await this.catchUp(this.opts.onApplied, this.opts.pacer);
      return undefined;
    } catch (err) {
      if (this.stopped) return undefined;
      if (isPassingReadError(err)) {
        this.log(`search index: the store cannot be read for now, trying again: ${codeOf(err)}`);
        return this.opts.stalledRetryMs ?? 15_000;
      }
      // The store or the index is unavailable: the next change wakes us again.
      this.log(`search index: following the change feed stopped: ${codeOf(err)}`);
      return undefined;
    }
  }

  private async applyPage(changes: Change[]): Promise<number> {
    const t0 = performance.now();
    const sink = this.applier.begin();
    const read: ReadChange[] = [];
    // Pages met in this page of the feed: seen once the applier has applied their change (a page can end early).
    const met = new Map<string, { seq: number; sessionId: string; pageId: string }>();
    for (const change of changes) {
      let c: ReadChange;
      try {
        c = await this.readPatiently(change, met);
      } catch (err) {
        // A store going away (stop, reopen) is not the change's fault: the page is dropped whole and read again.
        if (this.stopped || isVerbatimError(err, 'STORE_NOT_OPEN')) throw err;
        if (isPassingReadError(err)) {
          // Still failing after the pauses: the page ends before this change, which is read again next time.
          if (read.length === 0) throw err;
          this.stalled = err;
          break;
        }
        c = { seq: change.seq, type: change.type, kind: 'unreadable', code: codeOf(err) };
      }
      read.push(c);
      sink.add(c);
    }
    const sessions: Record<string, ReadSession | null> = {};
    for (const c of read) {
      if (!c.sessionId || c.sessionId in sessions) continue;
      const session = await this.opts.store.getSession(c.sessionId);
      sessions[c.sessionId] = session ? { session, customerLinked: (await this.opts.store.customerOf(c.sessionId)) !== undefined } : null;
    }
    const t1 = performance.now();
    const applied = await sink.end(sessions);
    const now = Date.now();
    for (const m of met.values()) if (m.seq <= applied.cursor) this.seenOf(m.sessionId).add(m.pageId);
    for (const id of applied.dropped) this.seen.delete(id);
    if (this.opts.onProfile) {
      const lagMs = changes.filter((c) => c.seq <= applied.cursor && c.type === 'events.appended').map((c) => now - c.at);
      this.opts.onProfile({ ...applied, changes: read.filter((c) => c.seq <= applied.cursor).length, readMs: t1 - t0, applyMs: performance.now() - t1, lagMs });
    }
    return applied.cursor;
  }

  /** readChange, read again after each pause while the store fails in passing. */
  private async readPatiently(change: Change, met: Map<string, { seq: number; sessionId: string; pageId: string }>): Promise<ReadChange> {
    const pauses = this.opts.readRetryMs ?? [250, 1_000, 4_000];
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.readChange(change, met);
      } catch (err) {
        // Met by the failed read, not by the applier: the next read must warm the page up again.
        for (const [key, m] of met) if (m.seq === change.seq) met.delete(key);
        if (this.stopped || attempt >= pauses.length || !isPassingReadError(err)) throw err;
        await new Promise((r) => setTimeout(r, pauses[attempt]));
      }
    }
  }

  /** The change with the record it names, read through the store API. */
  private async readChange(change: Change, met: Map<string, { seq: number; sessionId: string; pageId: string }>): Promise<ReadChange> {
    const { store } = this.opts;
    const base = { seq: change.seq, type: change.type };
    switch (change.type) {
      case 'session.created':
        return { ...base, sessionId: change.sessionId, kind: 'touch' };
      case 'events.appended': {
        const batch = await store.getEventBatch(change.sessionId, change.pageId, change.batchSeq);
        if (!batch) return { ...base, kind: 'none' };
        let warmUp: EventBatch[] | undefined;
        const metKey = `${change.sessionId}\u0000${change.pageId}`;
        if (!this.seen.get(change.sessionId)?.has(change.pageId) && !met.has(metKey)) {
          met.set(metKey, { seq: change.seq, sessionId: change.sessionId, pageId: change.pageId });
          if (change.batchSeq > 0) warmUp = await this.earlierBatches(change.sessionId, change.pageId, change.batchSeq);
        }
        return { ...base, sessionId: change.sessionId, kind: 'events', pageId: change.pageId, batch, ...(warmUp ? { warmUp } : {}) };
      }
      case 'capture.stored': {
        if (!change.sessionId) return { ...base, kind: 'none' };
        const capture = await store.getCapture(change.sessionId, change.captureId);
        return capture ? { ...base, sessionId: change.sessionId, kind: 'capture', capture } : { ...base, kind: 'none' };
      }
      case 'websocket.stored':
        // The change names no messages: the session's log is read whole.
        return { ...base, sessionId: change.sessionId, kind: 'websocket', messages: await store.listWebSocketMessages(change.sessionId) };
      case 'customer.linked':
        return { ...base, sessionId: change.sessionId, kind: 'link' };
      case 'session.erased':
        this.seen.delete(change.sessionId);
        return { ...base, sessionId: change.sessionId, kind: 'erase' };
      default:
        return { ...base, kind: 'none' };
    }
  }

  private seenOf(sessionId: string): Set<string> {
    let pages = this.seen.get(sessionId);
    if (pages) {
      this.seen.delete(sessionId);
    } else {
      pages = new Set();
      if (this.seen.size >= MAX_SEEN) this.seen.delete(this.seen.keys().next().value!);
    }
    this.seen.set(sessionId, pages);
    return pages;
  }

  /** A page met part-way (after a restart, or an evicted extractor): its earlier batches, oldest first. */
  private async earlierBatches(sessionId: string, pageId: string, beforeSeq: number): Promise<EventBatch[]> {
    const earlier = (await this.opts.store.readEvents(sessionId)).filter((x) => x.page.id === pageId && x.seq < beforeSeq);
    return earlier.sort((x, y) => x.seq - y.seq);
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => process.stderr.write(`[verbatim] ${m}\n`)))(message);
  }
}
