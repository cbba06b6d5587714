/**
 * Small state beside the records that every instance sharing a store must agree on, though the store need not
 * understand it (viewer accounts, kiosk terminals, proxy clients, the audit trail): versioned documents changed by
 * compare-and-swap, and append-only logs whose sequence numbers the backend assigns under its own lock. The PostgreSQL
 * store keeps both in tables (postgres/pg-shared-state.ts); the embedded store keeps them in files in the data
 * directory, which the CLI changes while a viewer runs (files/file-shared-state.ts).
 */
import { VerbatimError } from './errors';

export interface SharedDocument {
  value: unknown;
  /** Opaque: passed back to putDocument to say which state a change was made on. */
  version: string;
}

export interface LogEntry {
  /** 1, 2, 3, … per log, without gaps or repeats, assigned by the backend. */
  seq: number;
  entry: string;
}

export interface SharedState {
  getDocument(name: string): Promise<SharedDocument | undefined>;
  /**
   * Replaces a document if it is still at `expectedVersion` (undefined: only if it does not exist yet) and returns
   * the new version; VERSION_STALE when another writer changed it first: re-read, re-apply the change, try again.
   */
  putDocument(name: string, value: unknown, expectedVersion: string | undefined): Promise<string>;
  /**
   * Appends one entry at the next seq. `build` runs under the log's lock with that seq and the entry before it, so an
   * entry can carry its predecessor's hash (a hash chain) and no two writers ever build on the same predecessor.
   */
  appendLog(name: string, build: (seq: number, last: LogEntry | undefined) => string): Promise<LogEntry>;
  /** Entries with seq ≥ `fromSeq`, in seq order, at most `limit`. */
  readLog(name: string, fromSeq: number, limit: number): Promise<LogEntry[]>;
}

/** Document and log names: plain, so the file backend can use them as file names. */
export const SHARED_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function checkSharedName(name: string): void {
  if (!SHARED_NAME.test(name) || name.includes('..')) throw new VerbatimError('BAD_REQUEST', 'shared state names are 1-64 characters a-z 0-9 . _ -', { name });
}

/** One line of text: the file backend keeps one entry a line. */
export function checkLogEntry(name: string, entry: string): string {
  if (typeof entry !== 'string' || /[\r\n]/.test(entry)) throw new VerbatimError('BAD_REQUEST', 'a log entry is one line of text', { name });
  return entry;
}

export function staleVersion(name: string, expected: string | undefined): VerbatimError {
  return new VerbatimError('VERSION_STALE', `another writer changed ${name} first`, { name, expected: expected ?? 'none' });
}

/**
 * Read-modify-write of one document with compare-and-swap: `change` gets the current value (undefined when there is
 * none) and returns the new value, or `unchanged` to write nothing. Retried on VERSION_STALE with the fresh value.
 */
export async function updateDocument<T>(
  state: SharedState, name: string, change: (current: unknown) => { value: unknown; result: T } | { unchanged: true; result: T },
): Promise<{ result: T; version: string | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const doc = await state.getDocument(name);
    const out = change(doc?.value);
    if ('unchanged' in out) return { result: out.result, version: doc?.version };
    try {
      return { result: out.result, version: await state.putDocument(name, out.value, doc?.version) };
    } catch (err) {
      // Writers change a document in milliseconds: 20 lost races in a row means something else is wrong.
      if (!(err instanceof VerbatimError && err.code === 'VERSION_STALE') || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
    }
  }
}
