/**
 * Copies one store into another at the backend level (base/backend-port.ts): the same record values, chain links,
 * heads, change feed, checkpoints, meta (holds included) and blobs, byte for byte. Nothing is re-chained or
 * re-signed, so the source's checkpoints prove the copy and `verify` passes on both sides with the same keys.
 *
 * Resumable: everything is copied in a fixed order (phases below, each in the source's own order) in pages, and each
 * page's write carries the cursor (meta CURSOR_KEY: phase and items done) in the same atomic backend write. After a
 * kill, the next run skips what the cursor says landed and continues; nothing is written twice. A target that holds
 * anything else is refused (MIGRATION_TARGET_NOT_EMPTY). The last write copies the meta entries, drops the cursor and
 * leaves DONE_KEY, so a finished copy is not mistaken for an unfinished one.
 *
 * Run with both stores otherwise idle (the source stopped): a source that changes under the copy is refused on resume.
 */
import { createHash } from 'node:crypto';
import { VerbatimError } from '../errors';
import { emptyWrite, type BackendWrite, type StoredRecord } from '../base/backend';
import type { BackendPort } from '../base/backend-port';

export const CURSOR_KEY = 'migrate/cursor';
export const DONE_KEY = 'migrate/done';
const PHASES = ['records', 'links', 'heads', 'feed', 'checkpoints', 'meta'] as const;
type Phase = (typeof PHASES)[number];

/** Meta the target writes for itself at open (store format, its own schema version, a writability probe). */
const TARGET_OWN_META = (key: string): boolean => key === 'format' || key === 'health' || key.startsWith('pg/') || key.startsWith('migrate/');

interface Cursor {
  /** Which source this copy is of (copyFingerprint): a resume must be of the same one. */
  source: string;
  phase: Phase;
  /** Items of `phase` already in the target. */
  done: number;
}

export interface CopyCounts {
  records: number;
  blobs: number;
  links: number;
  heads: number;
  feed: number;
  checkpoints: number;
  meta: number;
  /** Bytes of record values, links and blobs written by this run. */
  bytes: number;
}

export interface CopyOptions {
  /** Items per backend write (default 500). */
  pageSize?: number;
  /** After each page landed (its cursor with it). */
  onPage?: (phase: Phase, done: number, counts: CopyCounts) => void | Promise<void>;
}

export interface CopyResult {
  /** Whether this run continued an unfinished copy. */
  resumed: boolean;
  /** What the target holds of each kind at the end (not only this run's part). */
  totals: Omit<CopyCounts, 'bytes'>;
  /** What this run wrote. */
  written: CopyCounts;
}

/** Identifies the source's contents cheaply: its feed head and newest checkpoint (every change moves the feed). */
async function copyFingerprint(source: BackendPort): Promise<string> {
  const checkpoints = await source.checkpoints();
  const last = checkpoints[checkpoints.length - 1];
  return createHash('sha256').update(`${await source.feedHead()}\n${checkpoints.length}\n`).update(last?.value ?? new Uint8Array(0)).digest('hex');
}

/** What the target holds besides its own settings: refused unless it is this copy's own unfinished resume. */
async function startingCursor(target: BackendPort, fingerprint: string): Promise<Cursor | undefined> {
  const raw = await target.getMeta(CURSOR_KEY);
  if (raw) {
    const cursor = JSON.parse(Buffer.from(raw).toString('utf8')) as Cursor;
    if (cursor.source !== fingerprint) {
      throw new VerbatimError('MIGRATION_TARGET_NOT_EMPTY', 'the target holds an unfinished copy of another store (or the source changed since): drop the target schema and start again', { phase: cursor.phase });
    }
    return cursor;
  }
  if (await target.getMeta(DONE_KEY)) throw new VerbatimError('MIGRATION_TARGET_NOT_EMPTY', 'the target already holds a finished migration', {});
  const found: string[] = [];
  if ((await target.feedHead()) > 0) found.push('change feed');
  if ((await target.chainIds()).length > 0) found.push('chains');
  if ((await target.checkpoints()).length > 0) found.push('checkpoints');
  for await (const _ of target.records()) { found.push('records'); break; }
  for await (const m of target.meta()) if (!TARGET_OWN_META(m.key)) { found.push(`setting ${m.key}`); break; }
  if (found.length) throw new VerbatimError('MIGRATION_TARGET_NOT_EMPTY', `the target store is not empty (${found.join(', ')}): migrate only into a new, empty store`, { found });
  return undefined;
}

export async function copyStore(source: BackendPort, target: BackendPort, options: CopyOptions = {}): Promise<CopyResult> {
  const pageSize = options.pageSize ?? 500;
  const fingerprint = await copyFingerprint(source);
  const start = await startingCursor(target, fingerprint);
  const written: CopyCounts = { records: 0, blobs: 0, links: 0, heads: 0, feed: 0, checkpoints: 0, meta: 0, bytes: 0 };
  const totals = { records: 0, blobs: 0, links: 0, heads: 0, feed: 0, checkpoints: 0, meta: 0 };
  const startPhase = start ? PHASES.indexOf(start.phase) : 0;
  const cursorWrite = (phase: Phase, done: number): BackendWrite['meta'][number] =>
    ({ key: CURSOR_KEY, value: Buffer.from(JSON.stringify({ source: fingerprint, phase, done } satisfies Cursor)) });

  /** Runs one phase: skips what landed, writes the rest in pages, each page with its cursor. */
  async function phase<T>(name: Phase, items: AsyncIterable<T>, fill: (write: BackendWrite, page: T[]) => Promise<void>): Promise<number> {
    const index = PHASES.indexOf(name);
    const skip = index < startPhase ? Infinity : index === startPhase && start ? start.done : 0;
    let seen = 0;
    let page: T[] = [];
    const flush = async (): Promise<void> => {
      const write = emptyWrite();
      await fill(write, page);
      write.meta.push(cursorWrite(name, seen));
      await target.commit(write);
      page = [];
      await options.onPage?.(name, seen, written);
    };
    for await (const item of items) {
      seen += 1;
      if (seen <= skip) continue;
      page.push(item);
      if (page.length >= pageSize) await flush();
    }
    if (page.length) await flush();
    return seen;
  }

  // Blobs travel with the first record naming them, in the same write: a record never lands without its bodies.
  const copiedBlobs = new Set<string>();
  const namedBlobs = new Set<string>();
  async function* records(): AsyncIterable<StoredRecord> {
    for await (const record of source.records()) {
      for (const digest of record.blobs ?? []) namedBlobs.add(digest);
      yield record;
    }
  }
  totals.records = await phase<StoredRecord>('records', records(), async (write, page) => {
    for (const record of page) {
      // LevelDB's reader hands verify a placeholder (a NUL session id) for a record that does not decode: never copy one.
      if (record.sessionId.includes('\u0000')) {
        throw new VerbatimError('STORE_CORRUPT', `record ${record.id} of the source does not decode: run \`verbatim verify\` on the source first`, { id: record.id });
      }
      for (const digest of record.blobs ?? []) {
        if (copiedBlobs.has(digest)) continue;
        copiedBlobs.add(digest);
        const value = await source.blob(digest);
        if (value === undefined) continue; // missing in the source too: verify reports it on both sides
        write.blobs.push({ digest, value });
        written.blobs += 1;
        written.bytes += value.byteLength;
      }
      write.put.push(record);
      written.records += 1;
      written.bytes += record.value.byteLength;
    }
  });
  totals.blobs = namedBlobs.size;
  const chains = await source.chainIds();
  totals.links = await phase('links', allLinks(source, chains), async (write, page) => {
    for (const link of page) { write.links.push(link); written.links += 1; written.bytes += link.value.byteLength; }
  });
  totals.heads = await phase('heads', iterate(chains), async (write, page) => {
    for (const chain of page) {
      const value = await source.head(chain);
      if (value) { write.heads.push({ chain, value }); written.heads += 1; }
    }
  });
  totals.feed = await phase('feed', allFeed(source, pageSize), async (write, page) => {
    for (const f of page) { write.feed.push(f); written.feed += 1; }
  });
  // One checkpoint per write: a backend checks each lands right after the one before.
  const checkpoints = await source.checkpoints();
  const index = PHASES.indexOf('checkpoints');
  const skip = index < startPhase ? Infinity : index === startPhase && start ? start.done : 0;
  for (let i = 0; i < checkpoints.length; i += 1) {
    if (i + 1 <= skip) continue;
    const write = emptyWrite();
    write.checkpoint = checkpoints[i]!;
    write.meta.push(cursorWrite('checkpoints', i + 1));
    await target.commit(write);
    written.checkpoints += 1;
    await options.onPage?.('checkpoints', i + 1, written);
  }
  totals.checkpoints = checkpoints.length;
  // Last: the settings and holds in one write, with the cursor dropped and the finished mark left.
  const meta: BackendWrite['meta'] = [];
  for await (const m of source.meta()) if (!TARGET_OWN_META(m.key)) meta.push({ key: m.key, value: m.value });
  const last = emptyWrite();
  last.meta.push(...meta, { key: CURSOR_KEY, value: undefined },
    { key: DONE_KEY, value: Buffer.from(JSON.stringify({ at: new Date().toISOString(), source: fingerprint })) });
  await target.commit(last);
  written.meta = meta.length;
  totals.meta = meta.length;
  await options.onPage?.('meta', meta.length, written);
  return { resumed: start !== undefined, totals, written };
}

async function* iterate<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

async function* allLinks(source: BackendPort, chains: string[]): AsyncIterable<{ chain: string; index: number; value: Uint8Array }> {
  for (const chain of chains) for await (const l of source.links(chain)) yield { chain, index: l.index, value: l.value };
}

/** The feed with each entry's own seq (change-feed.ts), so a gap would be copied as a gap, not closed up. */
async function* allFeed(source: BackendPort, pageSize: number): AsyncIterable<{ seq: number; value: Uint8Array }> {
  let after = 0;
  for (;;) {
    const values = await source.readFeed(after, pageSize);
    for (const value of values) {
      const seq = (JSON.parse(Buffer.from(value).toString('utf8')) as { seq: number }).seq;
      yield { seq, value };
      after = seq;
    }
    if (values.length < pageSize) return;
  }
}
