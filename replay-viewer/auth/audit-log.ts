/**
 * The audit trail: an append-only log in the store's shared state (store/shared-state.ts; the `audit` log: with the
 * embedded store the JSON-lines file <data>/audit.log, with PostgreSQL rows every instance appends to) in which
 * every entry carries the hash of the one before, so removing, reordering or editing an entry breaks the chain
 * (verify()). Entries never hold passwords, tokens or session contents.
 *
 * Several writers append at once (`verbatim start` instances, the `verbatim users …` commands): the store assigns
 * each entry its seq under the log's lock and hands the entry before it to append(), which computes the hash there,
 * so two writers never write the same sequence number or chain onto the same entry (which verify() would report as
 * tampering).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FileSharedState } from '../../store/files/file-shared-state';
import type { LogEntry, SharedState } from '../../store/shared-state';

/** The shared log holding the trail (with files: <data>/audit.log). */
export const AUDIT_LOG = 'audit';

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
/**
 * Entries read per round trip: large, because the file backend reads the whole file for each page (as the trail was
 * always read) and every query reads the whole trail anyway.
 */
const READ_PAGE = 100_000;

export class AuditLog {
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly state: SharedState, private readonly log: string, private readonly now: () => number, private readonly redact?: (s: string) => string) {}

  /**
   * A file (`<dir>/<name>.log`: tests, and what the embedded store's <data>/audit.log is) or the store's shared state.
   * `redact` is applied to the target and every string detail before an entry is written
   * (the CLI passes the proxy's masker: a card number typed into a customer search is audited masked).
   */
  static async open(source: string | SharedState, now: () => number = Date.now, redact?: (s: string) => string): Promise<AuditLog> {
    if (typeof source === 'string') return new AuditLog(new FileSharedState(path.dirname(source)), path.basename(source, '.log'), now, redact);
    return new AuditLog(source, AUDIT_LOG, now, redact);
  }

  append(entry: AuditEntryInput): Promise<AuditEntry> {
    const r = this.redact;
    const input = r ? {
      ...entry,
      ...(entry.target !== undefined ? { target: r(entry.target) } : {}),
      ...(entry.details ? { details: Object.fromEntries(Object.entries(entry.details).map(([k, v]) => [k, typeof v === 'string' ? r(v) : v])) } : {}),
    } : entry;
    const result = this.chain.catch(() => undefined).then(async () => {
      let written: AuditEntry | undefined;
      await this.state.appendLog(this.log, (seq, last) => {
        const body = { seq, at: this.now(), ...input, prev: hashOf(last) };
        written = { ...body, hash: entryHash(body) };
        return JSON.stringify(written);
      });
      return written!;
    });
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
    const all: AuditEntry[] = [];
    for await (const raw of this.entries()) {
      try {
        all.push(JSON.parse(raw.entry) as AuditEntry);
      } catch {
        /* a torn line after a crash: verify() reports it */
      }
    }
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
    let count = 0;
    let brokenAt: number | undefined;
    for await (const raw of this.entries()) {
      if (raw.entry === '') continue;
      count++;
      if (brokenAt !== undefined) continue;
      let e: AuditEntry;
      try {
        e = JSON.parse(raw.entry) as AuditEntry;
      } catch {
        brokenAt = raw.seq;
        continue;
      }
      const { hash, ...body } = e;
      if (e.prev !== prev || e.seq !== expectedSeq || e.seq !== raw.seq || entryHash(body) !== hash) {
        brokenAt = typeof e.seq === 'number' ? e.seq : raw.seq;
        continue;
      }
      prev = hash;
      expectedSeq++;
    }
    return brokenAt === undefined ? { ok: true, entries: count } : { ok: false, entries: count, brokenAt };
  }

  /** Every stored entry in seq order, a page at a time. */
  private async *entries(): AsyncIterable<LogEntry> {
    for (let from = 1; ;) {
      const page = await this.state.readLog(this.log, from, READ_PAGE);
      yield* page;
      if (page.length < READ_PAGE) return;
      from = page[page.length - 1]!.seq + 1;
    }
  }
}

/** The hash an entry after `last` chains onto: GENESIS for the first; a torn entry's text hashed, so verify() names it. */
function hashOf(last: LogEntry | undefined): string {
  if (!last) return GENESIS;
  try {
    const e = JSON.parse(last.entry) as { hash?: unknown };
    if (typeof e.hash === 'string') return e.hash;
  } catch {
    /* torn */
  }
  return createHash('sha256').update(last.entry).digest('hex');
}

/** SHA-256 over the entry's fields in a fixed order (JSON of the body as built by append()). */
function entryHash(body: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([body.seq, body.at, body.actor, body.role ?? null, body.action, body.outcome, body.target ?? null, body.details ?? null, body.prev]);
  return createHash('sha256').update(canonical).digest('hex');
}
