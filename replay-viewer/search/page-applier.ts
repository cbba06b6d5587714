/**
 * Turns a read page of the change feed into one index transaction: feeds each record to its session's extractor,
 * gathers the hits and facts (IndexBatchBuilder) and writes them with the cursor (SearchIndex.apply), retrying a few
 * times before passing the page over. Store-free, so it runs on the search worker thread (search-worker.ts) or, as a
 * fallback and in tests, in-process.
 */
import { threadId } from 'node:worker_threads';
import { VerbatimError, isVerbatimError } from '../../store/errors';
import type { ExtractorFactory, SessionExtractor } from './extractor-port';
import { IndexBatchBuilder } from './index-batch-builder';
import type { AppliedPage, ReadChange, ReadPage, ReadSession } from './read-page';
import type { SearchIndex } from './search-index';

export interface PageApplierOptions {
  index: SearchIndex;
  createExtractor: ExtractorFactory;
  /** A page ends early once it holds this many hits (default MAX_HITS_PER_WRITE). */
  maxHitsPerWrite?: number;
  /** Pauses before retrying a page the index could not write (default 1 s, 5 s, 15 s). */
  retryMs?: number[];
  /** Codes and seqs only: never record content or search terms. */
  log: (message: string) => void;
}

/** What the follower needs of an applier, wherever it runs. */
export interface PageApplierPort {
  /**
   * A page handed over change by change as the follower reads them (to a worker each is posted at once: many small
   * copies between the proxy's requests rather than one long copy of the whole page), then applied at `end`.
   */
  begin(): PageSink;
  /** Drops every session's extractor state (a rebuild starts from nothing). */
  forget(): void;
  close(): Promise<void>;
}

export interface PageSink {
  add(change: ReadChange): void;
  /** The touched sessions as the store has them after the page; resolves once the page is committed. */
  end(sessions: Record<string, ReadSession | null>): Promise<AppliedPage>;
}

/** Hits per index transaction, about 100 ms of work at most: a page ends early past this. */
export const MAX_HITS_PER_WRITE = 1_000;
/** Extractors kept for sessions seen lately; an evicted session starts a fresh one (facts may then undercount). */
const MAX_EXTRACTORS = 2_000;

/** A session's extractor and the pages it has read. */
interface Entry {
  extractor: SessionExtractor;
  pages: Set<string>;
  /** Met at its creation: the extractor has seen every record, so its replacements are the whole truth. */
  whole?: boolean;
  /** Met part-way: the replacement hits already added in this run (nothing indexed earlier is withdrawn). */
  added?: Set<string>;
}

export class PageApplier implements PageApplierPort {
  private readonly extractors = new Map<string, Entry>();
  private dropped: string[] = [];
  private closed = false;

  constructor(private readonly opts: PageApplierOptions) {}

  begin(): PageSink {
    const changes: ReadChange[] = [];
    return { add: (c) => void changes.push(c), end: (sessions) => this.apply({ changes, sessions }) };
  }

  forget(): void {
    this.extractors.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async apply(page: ReadPage): Promise<AppliedPage> {
    // An empty page would commit cursor 0: everything indexed again on top of itself.
    if (!page.changes.length) throw new VerbatimError('BAD_REQUEST', 'an empty page of the change feed');
    const builder = new IndexBatchBuilder();
    let cursor = 0;
    let extractMs = 0;
    let maxExtractMs = 0;
    for (const change of page.changes) {
      const t = performance.now();
      try {
        this.applyChange(change, builder);
      } catch (err) {
        this.opts.log(`search index: change ${change.seq} (${change.type}) skipped: ${codeOf(err)}`);
      }
      const ms = performance.now() - t;
      extractMs += ms;
      maxExtractMs = Math.max(maxExtractMs, ms);
      cursor = change.seq;
      // One transaction must not grow heavy (it held the proxy's event loop when it ran there): the cursor says
      // where the next page starts, so nothing is lost or repeated.
      if (builder.hitCount >= (this.opts.maxHitsPerWrite ?? MAX_HITS_PER_WRITE)) break;
    }
    const t = performance.now();
    const batch = builder.build(cursor, page.sessions, (s) => this.extractorOf(s.id).facts(s));
    extractMs += performance.now() - t;
    const w = performance.now();
    const retries = this.opts.retryMs ?? [1_000, 5_000, 15_000];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.index.apply(batch);
        break;
      } catch (err) {
        if (this.closed) throw err;
        const range = `${page.changes[0]!.seq}-${cursor}`;
        if (attempt >= retries.length) {
          this.opts.log(`search index: changes ${range} skipped after ${attempt + 1} attempts: ${codeOf(err)}`);
          // Past it, so one bad page is not retried forever (`verbatim reindex` rebuilds what it held).
          await this.opts.index.apply({ cursor, sessions: [], hits: [] });
          break;
        }
        this.opts.log(`search index: writing changes ${range} failed, retrying: ${codeOf(err)}`);
        await new Promise((r) => setTimeout(r, retries[attempt]));
      }
    }
    const dropped = this.dropped;
    this.dropped = [];
    return { cursor, dropped, hits: builder.hitCount, extractMs, maxExtractMs, writeMs: performance.now() - w, threadId };
  }

  private applyChange(change: ReadChange, b: IndexBatchBuilder): void {
    const id = change.sessionId!;
    switch (change.kind) {
      case 'touch':
        b.touch(id);
        if (change.type === 'session.created' && !this.extractors.has(id)) this.entryOf(id).whole = true;
        return;
      case 'events': {
        const entry = this.entryOf(id);
        if (!entry.pages.has(change.pageId)) {
          entry.pages.add(change.pageId);
          // A page met part-way (after a restart, or an evicted extractor): its earlier batches, already indexed,
          // are read again with their hits discarded, so a click still names its button and a URL or passage is
          // not reported twice.
          for (const earlier of change.warmUp ?? []) entry.extractor.batch(earlier);
          // Their analytics rows are stored too (rows are keyed: none would double, but none is needed).
          entry.extractor.drainAnalytics?.();
        }
        b.addHits(id, entry.extractor.batch(change.batch));
        b.addAnalytics(id, entry.extractor.drainAnalytics?.());
        replaceChanged(b, id, entry);
        return;
      }
      case 'capture': {
        const entry = this.entryOf(id);
        b.addHits(id, entry.extractor.capture(change.capture));
        b.addAnalytics(id, entry.extractor.drainAnalytics?.());
        replaceChanged(b, id, entry);
        return;
      }
      case 'websocket':
        // The session's log is re-read whole by a fresh extractor (one hit per endpoint) and replaces the session's
        // WebSocket hits, so a resend or a restart never doubles them.
        b.replaceKind(id, 'websocket');
        b.addHits(id, this.opts.createExtractor().websocket(change.messages));
        return;
      case 'link':
        b.link(id);
        return;
      case 'erase':
        if (this.extractors.delete(id)) this.dropped.push(id);
        b.erase(id);
        return;
      case 'unreadable':
        throw Object.assign(new Error('unreadable'), { code: change.code });
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
      if (this.extractors.size >= MAX_EXTRACTORS) {
        const oldest = this.extractors.keys().next().value!;
        this.extractors.delete(oldest);
        this.dropped.push(oldest);
      }
    }
    this.extractors.set(sessionId, e);
    return e;
  }
}

export function codeOf(err: unknown): string {
  if (isVerbatimError(err)) return err.code;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : (err as Error)?.name ?? 'ERROR';
}

/**
 * A kind of hits the extractor rewrote whole (struggle signals whose judgement changed) replaces the stored ones, when
 * the extractor met the session at its creation. One that met it part-way (after a restart or an eviction) knows only
 * what it was fed since: the hits indexed before stay, and only judgements new to it are added, once.
 */
function replaceChanged(b: IndexBatchBuilder, sessionId: string, entry: Entry): void {
  const replacement = entry.extractor.takeReplacement?.();
  if (!replacement) return;
  if (entry.whole) {
    b.replaceKind(sessionId, replacement.kind);
    b.addHits(sessionId, replacement.hits);
    return;
  }
  const added = (entry.added ??= new Set());
  b.addHits(sessionId, replacement.hits.filter((h) => {
    // Not keyed by page: a request's page may be learnt later, and the same judgement must not be added twice.
    const key = `${h.kind}\n${h.text}\n${h.at}\n${h.field ?? ''}`;
    if (added.has(key)) return false;
    added.add(key);
    return true;
  }));
}
