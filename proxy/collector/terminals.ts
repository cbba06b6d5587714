/**
 * Kiosk terminals allowed to upload to the collector. Each terminal has one
 * bearer token (32 random bytes, base64url) shown once at `verbatim terminals
 * add`; only its SHA-256 is kept, in a shared document of the store (store/shared-state.ts: with the embedded
 * store <data>/terminals.json, mode 0600; with PostgreSQL a row every instance reads, so kiosks may upload to any
 * viewer instance). A 256-bit random token needs no slow hash: guessing it is infeasible anyway. Enrolment and
 * revocation are compare-and-swap changes, so the CLI, the admin screen and other instances never drop each other's.
 *
 * Per instance, <data>/terminals-status.json (0600) holds what the server learnt of
 * each terminal: when it was last seen (any authenticated request), its last
 * status report (queue, drops, last error) and when a request named it with a
 * token the collector did not accept. Only the running server writes that file
 * (kept in memory, written at most once a second), so the CLI's edits of
 * terminals.json never race with it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TerminalStatusReport } from '../../recorder/protocol';
import { VerbatimError } from '../../store/errors';
import { FileSharedState } from '../../store/files/file-shared-state';
import { updateDocument, type SharedState } from '../../store/shared-state';

export const TERMINAL_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export interface TerminalRecord {
  id: string;
  /** Hex SHA-256 of the token. */
  tokenHash: string;
  createdAt: number;
  revokedAt?: number;
}

interface TerminalsFile {
  version: 1;
  terminals: TerminalRecord[];
}

/** What the server knows of a terminal's health. */
export interface TerminalStatus {
  /** Last authenticated request of any kind. */
  lastSeenAt?: number;
  /** Last status report (validated; times in epoch ms) and when it came. */
  report?: TerminalStatusReport;
  reportedAt?: number;
  /** Last request that named this terminal but carried a token the collector does not accept. */
  tokenRefusedAt?: number;
}

const STATUS_FLUSH_MS = 1000;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export interface TerminalRegistryOptions {
  /** Where the registry lives (default: the file itself, `<dir>/<name>.json`); the status file stays beside `file`. */
  state?: SharedState;
  /** How long a read of the registry is trusted by verify() (default 0: every request; a database: a few seconds). */
  refreshMs?: number;
}

export class TerminalRegistry {
  readonly statusFile: string;
  private readonly state: SharedState;
  /** The shared document's name: `terminals` or `proxy-clients`, from the file name. */
  private readonly document: string;
  private readonly refreshMs: number;
  private cached: { at: number; data: TerminalsFile } | undefined;
  private statuses: Map<string, TerminalStatus> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(readonly file: string, options: TerminalRegistryOptions = {}) {
    this.statusFile = file.replace(/\.json$/, '') + '-status.json';
    this.document = path.basename(file, '.json');
    this.state = options.state ?? new FileSharedState(path.dirname(file));
    this.refreshMs = options.refreshMs ?? 0;
  }

  async list(): Promise<TerminalRecord[]> {
    return (await this.load()).terminals;
  }

  /** Issues a new token (replacing any earlier one of the same terminal); returns it once. */
  async add(id: string, now = Date.now()): Promise<string> {
    if (!TERMINAL_ID.test(id)) throw new VerbatimError('BAD_REQUEST', 'terminal id must be 1-64 characters [A-Za-z0-9_.-]');
    const token = randomBytes(32).toString('base64url');
    await this.change((data) => {
      data.terminals = data.terminals.filter((t) => t.id !== id);
      data.terminals.push({ id, tokenHash: hashToken(token).toString('hex'), createdAt: now });
      return true;
    });
    return token;
  }

  /** Returns false when the terminal is unknown. */
  revoke(id: string, now = Date.now()): Promise<boolean> {
    return this.change((data) => {
      const t = data.terminals.find((x) => x.id === id);
      if (!t) return false;
      t.revokedAt ??= now;
      return true;
    });
  }

  /** The terminal a bearer token belongs to, or undefined (unknown or revoked). */
  async verify(token: string): Promise<string | undefined> {
    if (!token) return undefined;
    const digest = hashToken(token);
    let found: string | undefined;
    // Compare against every entry in constant time per entry.
    for (const t of (await this.load(this.refreshMs)).terminals) {
      const stored = Buffer.from(t.tokenHash, 'hex');
      if (stored.length === digest.length && timingSafeEqual(stored, digest) && t.revokedAt === undefined) found = t.id;
    }
    if (found) await this.updateStatus(found, (s) => ({ ...s, lastSeenAt: Date.now() }));
    return found;
  }

  /** Whether a terminal of this id is registered (revoked or not). */
  async has(id: string): Promise<boolean> {
    return (await this.load()).terminals.some((t) => t.id === id);
  }

  /** Every terminal's status, as the server last wrote it (the CLI reads this while the server runs). */
  async statusOf(): Promise<Record<string, TerminalStatus>> {
    if (this.statuses) return Object.fromEntries(this.statuses);
    return this.loadStatuses();
  }

  /** Changes one terminal's status in memory; written to disk shortly after. */
  async updateStatus(id: string, change: (s: TerminalStatus) => TerminalStatus): Promise<void> {
    this.statuses ??= new Map(Object.entries(await this.loadStatuses()));
    this.statuses.set(id, change(this.statuses.get(id) ?? {}));
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      // Health information only: a failed write is retried with the next change.
      this.flush().catch(() => undefined);
    }, STATUS_FLUSH_MS);
    this.flushTimer.unref?.();
  }

  /** Writes pending status changes now (at stop; tests). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const run = this.flushing.then(async () => {
      if (!this.statuses) return;
      await writeAtomic(this.statusFile, `${JSON.stringify({ version: 1, terminals: Object.fromEntries(this.statuses) }, null, 2)}\n`);
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async loadStatuses(): Promise<Record<string, TerminalStatus>> {
    try {
      const data = JSON.parse(await readFile(this.statusFile, 'utf8')) as { terminals?: Record<string, TerminalStatus> };
      return data.terminals && typeof data.terminals === 'object' ? data.terminals : {};
    } catch {
      // Missing or unreadable: it is only health information, rebuilt by the next reports.
      return {};
    }
  }

  /** The registry as stored, or as read less than `maxAgeMs` ago. */
  private async load(maxAgeMs = 0): Promise<TerminalsFile> {
    if (maxAgeMs > 0 && this.cached && performance.now() - this.cached.at < maxAgeMs) return this.cached.data;
    const data = parseTerminals((await this.state.getDocument(this.document))?.value, this.file);
    this.cached = { at: performance.now(), data };
    return data;
  }

  /** A compare-and-swap change of the registry; `edit` returns whether it changed anything (and is the result). */
  private async change(edit: (data: TerminalsFile) => boolean): Promise<boolean> {
    const { result } = await updateDocument(this.state, this.document, (current) => {
      const data = parseTerminals(current, this.file);
      return edit(data) ? { value: data, result: true } : { unchanged: true, result: false };
    });
    this.cached = undefined;
    return result;
  }
}

function parseTerminals(raw: unknown, file: string): TerminalsFile {
  if (raw === undefined) return { version: 1, terminals: [] };
  const data = raw as TerminalsFile;
  if (!data || typeof data !== 'object' || !Array.isArray(data.terminals)) {
    throw new VerbatimError('CONFIG_INVALID', 'terminals file is not valid', { file });
  }
  return data;
}

/** Write-then-rename: a crash never leaves half a file (and so no lost terminals). Owner-only. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

const iso = (ms: number | undefined): string => (ms ? new Date(ms).toISOString() : 'never');

/**
 * One terminal for `verbatim terminals list`: a tab-separated line (id, added,
 * revoked, last seen, queue), then, indented, the terminal's current error, if any.
 */
export function describeTerminal(t: TerminalRecord, s: TerminalStatus = {}): string {
  const r = s.report;
  const fields = [
    t.id,
    `added ${iso(t.createdAt)}`,
    ...(t.revokedAt ? [`revoked ${iso(t.revokedAt)}`] : []),
    `last seen ${iso(s.lastSeenAt)}`,
    r ? `queue ${r.queue.items} items, ${r.queue.bytes} bytes${r.queue.oldestAt ? `, oldest ${iso(r.queue.oldestAt)}` : ''} (reported ${iso(s.reportedAt)})` : 'queue not reported',
    ...(r && (r.dropped.items || r.refused) ? [`dropped ${r.dropped.items} items (${r.dropped.bytes} bytes) when full, ${r.refused} refused`] : []),
  ];
  const lines = [fields.join('\t')];
  if (s.tokenRefusedAt && (!s.lastSeenAt || s.tokenRefusedAt > s.lastSeenAt)) {
    lines.push(`  error ${iso(s.tokenRefusedAt)}: a request named this terminal with a token the collector does not accept (re-issue with \`verbatim terminals add ${t.id}\` and update the policy)`);
  }
  const e = r?.lastError;
  if (e && (!r.lastUploadAt || e.at > r.lastUploadAt)) lines.push(`  error ${iso(e.at)}: ${e.message}`);
  else if (e) lines.push(`  last error ${iso(e.at)} (resolved; delivered since ${iso(r.lastUploadAt)}): ${e.message}`);
  return lines.join('\n');
}
