/**
 * The audit trail: an append-only JSON-lines file (<data>/audit.log) in which
 * every entry carries the hash of the one before, so removing, reordering or
 * editing an entry breaks the chain (verify()). Entries never hold passwords,
 * tokens or session contents.
 *
 * `verbatim start` and the `verbatim users …` commands append while both run: each
 * append takes the file's lock (file-lock.ts) and reads the last entry from the file
 * itself, so two processes never write the same sequence number (which verify() would
 * report as tampering).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { withFileLock } from './file-lock';

export interface AuditEntryInput {
  actor: string;
  role?: string;
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  target?: string;
  /** Request path and query, method, client address, and similar facts. */
  details?: Record<string, string | number | boolean | undefined>;
}

export interface AuditEntry extends AuditEntryInput {
  seq: number;
  at: number;
  prev: string;
  hash: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  from?: number;
  to?: number;
  limit?: number;
  /** Keyset paging, newest first: only entries with a lower sequence number than this (the last one shown). */
  before?: number;
}

/** One page of the trail, newest first; `next` is the `before` of the following page (absent on the last). */
export interface AuditPage {
  entries: AuditEntry[];
  next?: number;
  /** Entries matching the filter across the whole trail (not only this page). */
  total: number;
}

const GENESIS = '0'.repeat(64);

/** Enough of the file's end to hold its last entry (entries are a few hundred bytes; details are bounded). */
const TAIL_BYTES = 64 * 1024;

export class AuditLog {
  private chain: Promise<void> = Promise.resolve();

  private constructor(readonly file: string, private readonly now: () => number, private readonly redact?: (s: string) => string) {}

  /**
   * `redact` is applied to the target and every string detail before an entry is written
   * (the CLI passes the proxy's masker: a card number typed into a customer search is audited masked).
   */
  static async open(file: string, now: () => number = Date.now, redact?: (s: string) => string): Promise<AuditLog> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    return new AuditLog(file, now, redact);
  }

  append(entry: AuditEntryInput): Promise<AuditEntry> {
    const r = this.redact;
    const input = r ? {
      ...entry,
      ...(entry.target !== undefined ? { target: r(entry.target) } : {}),
      ...(entry.details ? { details: Object.fromEntries(Object.entries(entry.details).map(([k, v]) => [k, typeof v === 'string' ? r(v) : v])) } : {}),
    } : entry;
    const result = this.chain.catch(() => undefined).then(() => withFileLock(this.file, async () => {
      const handle = await open(this.file, 'a+', 0o600);
      try {
        const { last, torn } = await tail(handle);
        const body = { seq: (last?.seq ?? 0) + 1, at: this.now(), ...input, prev: last?.hash ?? GENESIS };
        const entry: AuditEntry = { ...body, hash: entryHash(body) };
        // After a torn line (a crash mid-append) on a line of its own: verify() then names the torn line, not this one.
        await handle.appendFile(`${torn ? '\n' : ''}${JSON.stringify(entry)}\n`);
        return entry;
      } finally {
        await handle.close();
      }
    }));
    this.chain = result.then(() => undefined);
    return result;
  }

  async query(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const out = await this.matching(filter);
    return filter.limit ? out.slice(0, filter.limit) : out;
  }

  /**
   * A page of the whole trail, newest first, keyed on the sequence number (never an offset: entries appended
   * while an auditor pages on do not shift what the next page holds, so none is seen twice or skipped).
   */
  async page(filter: AuditFilter & { limit: number }): Promise<AuditPage> {
    const all = await this.matching({ ...filter, before: undefined, limit: undefined });
    const from = filter.before === undefined ? 0 : all.findIndex((e) => e.seq < filter.before!);
    const entries = from < 0 ? [] : all.slice(from, from + filter.limit);
    const last = entries[entries.length - 1];
    const more = from >= 0 && from + filter.limit < all.length;
    return { entries, total: all.length, ...(more && last ? { next: last.seq } : {}) };
  }

  /** Entries matching a filter, newest first. */
  private async matching(filter: AuditFilter): Promise<AuditEntry[]> {
    await this.chain.catch(() => undefined);
    const all = await this.readAll();
    const out = all.filter((e) =>
      (!filter.actor || e.actor === filter.actor) &&
      (!filter.action || e.action === filter.action) &&
      (!filter.target || e.target === filter.target) &&
      (!filter.outcome || e.outcome === filter.outcome) &&
      (filter.from === undefined || e.at >= filter.from) &&
      (filter.to === undefined || e.at <= filter.to) &&
      (filter.before === undefined || e.seq < filter.before));
    return out.reverse();
  }

  /** Checks the whole chain; returns the first broken entry's sequence number, if any. */
  async verify(): Promise<{ ok: boolean; entries: number; brokenAt?: number }> {
    await this.chain.catch(() => undefined);
    let prev = GENESIS;
    let expectedSeq = 1;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, entries: 0 };
      throw err;
    }
    const lines = text.split('\n').filter(Boolean);
    for (const [i, line] of lines.entries()) {
      let e: AuditEntry;
      try {
        e = JSON.parse(line) as AuditEntry;
      } catch {
        return { ok: false, entries: lines.length, brokenAt: i + 1 };
      }
      const { hash, ...body } = e;
      if (e.prev !== prev || e.seq !== expectedSeq || entryHash(body) !== hash) return { ok: false, entries: lines.length, brokenAt: e.seq ?? i + 1 };
      prev = hash;
      expectedSeq++;
    }
    return { ok: true, entries: lines.length };
  }

  private async readAll(): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: AuditEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as AuditEntry);
      } catch {
        /* a torn last line after a crash: verify() reports it */
      }
    }
    return out;
  }
}

/**
 * The file's last complete entry, and whether the file ends in a torn line (a crash mid-append; not an entry:
 * verify() reports it).
 */
async function tail(handle: FileHandle): Promise<{ last?: AuditEntry; torn: boolean }> {
  const { size } = await handle.stat();
  if (size === 0) return { torn: false };
  const length = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(length);
  await handle.read(buf, 0, length, size - length);
  const torn = buf[length - 1] !== 0x0a;
  const lines = buf.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    // The first line of the window may be cut off; a line that does not end in a newline is torn.
    if (!lines[i] || (i === 0 && length < size) || i === lines.length - 1) continue;
    try {
      const e = JSON.parse(lines[i]!) as AuditEntry;
      if (typeof e.seq === 'number' && typeof e.hash === 'string') return { last: e, torn };
    } catch {
      /* not an entry */
    }
  }
  return { torn };
}

/** SHA-256 over the entry's fields in a fixed order (JSON of the body as built by append()). */
function entryHash(body: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([body.seq, body.at, body.actor, body.role ?? null, body.action, body.outcome, body.target ?? null, body.details ?? null, body.prev]);
  return createHash('sha256').update(canonical).digest('hex');
}
