/**
 * Keeps the search index up with the store: reads the change feed from the index's own cursor (readChanges), then
 * follows it live (subscribe), a page of changes at a time, each page written with its cursor in one transaction.
 * Off the request path: the store's listener only wakes the loop, which reads records through the store API after a
 * short pause that lets ingest's small commits gather into one index write. A change that cannot be read or
 * extracted is logged by its seq and skipped; a page the index cannot write is retried a few times, then skipped.
 */
import type { Change } from '../../store/change-feed';
import { isVerbatimError } from '../../store/errors';
import type { VerbatimStore } from '../../store/store';
import type { ExtractorFactory, SessionExtractor } from './extractor-port';
import { IndexBatchBuilder } from './index-batch-builder';
import type { SearchIndex } from './search-index';

export interface FollowerOptions {
  store: VerbatimStore;
  index: SearchIndex;
  createExtractor: ExtractorFactory;
  /** Changes per index transaction (default 500). */
  pageSize?: number;
  /** A page ends early once it holds this many hits (default MAX_HITS_PER_WRITE). */
  maxHitsPerWrite?: number;
  /** Pause after a wake-up before reading, gathering changes (default 250 ms). */
  gatherMs?: number;
  /** Pauses before retrying a page the index could not write (default 1 s, 5 s, 15 s). */
  retryMs?: number[];
  /** Codes and seqs only: never record content or search terms. */
  log?: (message: string) => void;
  /** After each applied page: the cursor. */
  onApplied?: (cursor: number) => void;
}

/** Hits per index transaction, about 100 ms of work at most: a page ends early past this. */
const MAX_HITS_PER_WRITE = 1_000;
/** Extractors kept for sessions seen lately; an evicted session starts a fresh one (facts may then undercount). */
const MAX_EXTRACTORS = 2_000;

/** A session's extractor and the pages it has read in this process. */
interface Entry { extractor: SessionExtractor; pages: Set<string> }

export class SearchFollower {
  private readonly extractors = new Map<string, Entry>();
  private unsubscribe: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private wanted = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: FollowerOptions) {}

  /** Catches up, then follows the feed until stop(). */
  start(): void {
    this.stopped = false;
    this.unsubscribe = this.opts.store.subscribe(() => this.wake());
    this.wake(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.loop;
  }

  /** Whether nothing is running or waiting (tests wait for this). */
  get idle(): boolean {
    return !this.loop && !this.timer;
  }

  /** Drops every session's extractor state (a rebuild starts from nothing). */
  forgetExtractors(): void {
    this.extractors.clear();
  }

  /** Applies every change after the index's cursor; resolves with the cursor reached. */
  async catchUp(onPage?: (cursor: number) => void): Promise<number> {
    let cursor = await this.opts.index.cursor();
    for (;;) {
      if (this.stopped) return cursor;
      const changes = await this.opts.store.readChanges(cursor, this.opts.pageSize ?? 500);
      if (!changes.length) return cursor;
      cursor = await this.applyPage(changes);
      onPage?.(cursor);
    }
  }

  private wake(delay = this.opts.gatherMs ?? 250): void {
    this.wanted = true;
    if (this.loop || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.loop = this.run().finally(() => {
        this.loop = undefined;
        if (this.wanted && !this.stopped) this.wake();
      });
    }, delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.wanted = false;
    try {
      await this.catchUp(this.opts.onApplied);
    } catch (err) {
      // The store or the index is unavailable: the next change wakes us again.
      if (!this.stopped) this.log(`search index: following the change feed stopped: ${codeOf(err)}`);
    }
  }

  private async applyPage(changes: Change[]): Promise<number> {
    const builder = new IndexBatchBuilder();
    let cursor = 0;
    for (const change of changes) {
      try {
        await this.applyChange(change, builder);
      } catch (err) {
        // A store going away (stop, reopen) is not the change's fault: the page is dropped whole and read again.
        if (this.stopped || isVerbatimError(err, 'STORE_NOT_OPEN')) throw err;
        this.log(`search index: change ${change.seq} (${change.type}) skipped: ${codeOf(err)}`);
      }
      cursor = change.seq;
      // A transaction runs on the event loop the proxy shares: end the page early when it has grown heavy (the
      // cursor says where the next one starts, so nothing is lost or repeated).
      if (builder.hitCount >= (this.opts.maxHitsPerWrite ?? MAX_HITS_PER_WRITE)) break;
    }
    const retries = this.opts.retryMs ?? [1_000, 5_000, 15_000];
    for (let attempt = 0; ; attempt++) {
      try {
        const batch = await builder.build(cursor, this.opts.store, (s) => this.extractorOf(s.id).facts(s));
        await this.opts.index.apply(batch);
        return cursor;
      } catch (err) {
        if (this.stopped) throw err;
        if (attempt >= retries.length) {
          this.log(`search index: changes ${changes[0]!.seq}-${cursor} skipped after ${attempt + 1} attempts: ${codeOf(err)}`);
          // Past it, so one bad page is not retried forever (`verbatim reindex` rebuilds what it held).
          await this.opts.index.apply({ cursor, sessions: [], hits: [] });
          return cursor;
        }
        this.log(`search index: writing changes ${changes[0]!.seq}-${cursor} failed, retrying: ${codeOf(err)}`);
        await new Promise((r) => setTimeout(r, retries[attempt]));
      }
    }
  }

  private async applyChange(change: Change, b: IndexBatchBuilder): Promise<void> {
    const { store } = this.opts;
    switch (change.type) {
      case 'session.created':
        b.touch(change.sessionId);
        return;
      case 'events.appended': {
        const batch = await store.getEventBatch(change.sessionId, change.pageId, change.batchSeq);
        if (!batch) return;
        const entry = this.entryOf(change.sessionId);
        if (!entry.pages.has(change.pageId)) {
          entry.pages.add(change.pageId);
          if (change.batchSeq > 0) await this.warmUp(entry.extractor, change.sessionId, change.pageId, change.batchSeq);
        }
        b.addHits(change.sessionId, entry.extractor.batch(batch));
        return;
      }
      case 'capture.stored': {
        if (!change.sessionId) return;
        const capture = await store.getCapture(change.sessionId, change.captureId);
        if (capture) b.addHits(change.sessionId, await this.extractorOf(change.sessionId).capture(capture));
        return;
      }
      case 'websocket.stored': {
        // The change names no messages: the session's log is re-read whole by a fresh extractor (one hit per
        // endpoint) and replaces the session's WebSocket hits, so a resend or a restart never doubles them.
        const messages = await store.listWebSocketMessages(change.sessionId);
        b.replaceKind(change.sessionId, 'websocket');
        b.addHits(change.sessionId, this.opts.createExtractor().websocket(messages));
        return;
      }
      case 'customer.linked':
        b.link(change.sessionId);
        return;
      case 'session.erased':
        this.extractors.delete(change.sessionId);
        b.erase(change.sessionId);
        return;
      default:
        return;
    }
  }

  private extractorOf(sessionId: string): SessionExtractor {
    return this.entryOf(sessionId).extractor;
  }

  private entryOf(sessionId: string): Entry {
    let e = this.extractors.get(sessionId);
    if (e) {
      this.extractors.delete(sessionId);
    } else {
      e = { extractor: this.opts.createExtractor(), pages: new Set() };
      if (this.extractors.size >= MAX_EXTRACTORS) this.extractors.delete(this.extractors.keys().next().value!);
    }
    this.extractors.set(sessionId, e);
    return e;
  }

  /**
   * A page met part-way (after a restart, or an evicted extractor): its earlier batches, already indexed, are read
   * again with their hits discarded, so the extractor knows the page's nodes (a click names its button) and what it
   * already reported (a URL or passage is not reported twice).
   */
  private async warmUp(extractor: SessionExtractor, sessionId: string, pageId: string, beforeSeq: number): Promise<void> {
    const earlier = (await this.opts.store.readEvents(sessionId)).filter((x) => x.page.id === pageId && x.seq < beforeSeq);
    for (const batch of earlier.sort((x, y) => x.seq - y.seq)) extractor.batch(batch);
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => process.stderr.write(`[verbatim] ${m}\n`)))(message);
  }
}

function codeOf(err: unknown): string {
  if (isVerbatimError(err)) return err.code;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : (err as Error)?.name ?? 'ERROR';
}
