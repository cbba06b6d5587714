/**
 * What a running Verbatim says about its store: writable, or recovering from a failed write (a full disk, an
 * unwritable directory), and how many captures, recorder uploads and sessions it could not store.
 *
 * - The running process answers `GET /_status` on the viewer's port to loopback callers presenting the bearer token
 *   it wrote at start to `<data>/verbatim.run` (mode 0600). `verbatim status` reads that file and asks. Not a status
 *   file the process keeps rewriting: on a full disk a file is exactly what cannot be written. The run file has a
 *   fixed size and is overwritten in place at a clean stop ("stopped"), so it keeps its disk block: a start on a disk
 *   that filled up meanwhile can still publish itself by overwriting it.
 * - The same snapshot is `GET /api/status` in the viewer's API, for the admin and auditor roles.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { IngestStats } from '../proxy/ingest/pipeline';
import type { StoreHealth, VerbatimStore } from '../store/store';
import type { VerbatimConfig } from './config';

export const RUN_FILE = 'verbatim.run';
/** Every run file is this long (JSON padded with spaces), so one can always be overwritten in place. */
const RUN_FILE_BYTES = 1024;
export const STATUS_PATH = '/_status';

export interface StatusSnapshot {
  pid: number;
  startedAt: number;
  at: number;
  /** `open`: writes land. `degraded`: a write failed; writes are refused (507) until a probe write succeeds. */
  store: StoreHealth;
  captures: {
    stored: number;
    /** Could not be stored (the store refused the write): lost, counted here. */
    dropped: number;
    /** Bodies not kept because they could not be checked for secrets (the capture is kept without its body). */
    bodiesWithheld: number;
    truncated: number;
  };
  uploads: {
    stored: number;
    /** Answered 5xx because the store could not take them; the recorder retries each a few times. */
    refused: number;
    /** Answered 503 STORE_SLOW: the store had not acknowledged them in time (resent by the recorder). */
    answeredLate: number;
  };
  sessions: {
    /** Sessions whose record could not be written: never handed out again, their uploads get 404. */
    failed: number;
    /** Pages served to bots, health checks and scripts: captured, no session started. */
    notStarted: number;
  };
}

export function statusSnapshot(store: VerbatimStore, stats: IngestStats, startedAt: number): StatusSnapshot {
  return {
    pid: process.pid,
    startedAt,
    at: Date.now(),
    store: store.health(),
    captures: { stored: stats.captured, dropped: stats.failed, bodiesWithheld: stats.dropped, truncated: stats.truncated },
    uploads: { stored: stats.uploadsStored, refused: stats.uploadsFailed, answeredLate: stats.uploadsAnsweredLate },
    sessions: { failed: stats.sessionsFailed, notStarted: stats.notBrowserPages },
  };
}

/** The viewer's `GET /_status` route (replay-viewer/routes.ts, rule `local-token`): it checks its own callers. */
export interface StatusMount {
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

interface RunInfo {
  /** Set by a clean stop. */
  stopped?: boolean;
  pid: number;
  /** Where the status endpoint listens (the viewer's port). */
  url: string;
  token: string;
  startedAt: number;
}

/**
 * Writes <data>/verbatim.run (temporary file, then rename) and returns the handler of the viewer's `/_status` route.
 * A run file that cannot be written (a disk already full at start) only costs `verbatim status`; the viewer's
 * /api/status still answers.
 */
export async function publishStatus(dataDir: string, viewerUrl: string, snapshot: () => StatusSnapshot, onError: (err: unknown, context: string) => void): Promise<{
  mount: StatusMount;
  remove(): Promise<void>;
}> {
  const token = randomBytes(24).toString('base64url');
  const file = path.join(dataDir, RUN_FILE);
  const info: RunInfo = { pid: process.pid, url: loopbackUrl(viewerUrl), token, startedAt: Date.now() };
  try {
    await writeRunFile(file, info);
  } catch (err) {
    onError(err, `status: could not write ${file} (verbatim status will not find this process; GET /api/status still answers)`);
  }
  const expected = Buffer.from(`Bearer ${token}`);
  return {
    mount: {
      async handle(req, res, pathname) {
        const given = Buffer.from(req.headers.authorization ?? '');
        const allowed = pathname === STATUS_PATH && req.method === 'GET' && isLoopback(req.socket.remoteAddress)
          && given.length === expected.length && timingSafeEqual(given, expected);
        const body = JSON.stringify(allowed ? snapshot() : { error: { code: 'UNAUTHORIZED', message: 'status answers loopback callers with the token in the run file' } });
        res.writeHead(allowed ? 200 : 401, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
    },
    async remove() {
      // Only our own: a newer process may have replaced it. Overwritten, not removed: it keeps its block.
      const current = await readFile(file, 'utf8').then((t) => JSON.parse(t) as RunInfo, () => undefined);
      if (current?.token === token) await overwriteInPlace(file, { stopped: true, pid: process.pid, url: info.url, token: '', startedAt: info.startedAt });
    },
  };
}

function runFileBytes(info: RunInfo): Buffer {
  const json = Buffer.from(JSON.stringify(info));
  return Buffer.concat([json, Buffer.alloc(Math.max(0, RUN_FILE_BYTES - json.length), ' ')]);
}

/** Whole or not at all (temporary file, rename); on a full disk, over the run file an earlier start left. */
async function writeRunFile(file: string, info: RunInfo): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, runFileBytes(info), { mode: 0o600 });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    if (!(await overwriteInPlace(file, info))) throw err;
  }
}

/** Overwrites an existing run file without allocating (same length); false when there is none to overwrite. */
async function overwriteInPlace(file: string, info: RunInfo): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r+');
  } catch {
    return false;
  }
  try {
    const bytes = runFileBytes(info);
    if ((await handle.stat()).size !== bytes.length) return false;
    await handle.write(bytes, 0, bytes.length, 0);
    return true;
  } finally {
    await handle.close();
  }
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

/** The viewer's URL as a loopback caller reaches it (a wildcard bind answers on 127.0.0.1 too). */
function loopbackUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  return u.origin;
}

/** `verbatim status [--json]`: exit 0 when the store is writable, 1 when it is not, 3 when Verbatim is not running. */
export async function statusCommand(config: VerbatimConfig, out: (text: string) => void): Promise<number> {
  const file = path.join(config.dataDir, RUN_FILE);
  let info: RunInfo;
  try {
    info = JSON.parse(await readFile(file, 'utf8')) as RunInfo;
  } catch {
    out(`Verbatim is not running for ${config.dataDir} (no ${RUN_FILE}).\n`);
    return 3;
  }
  if (info.stopped) {
    out(`Verbatim is not running for ${config.dataDir} (pid ${info.pid} stopped cleanly).\n`);
    return 3;
  }
  let snapshot: StatusSnapshot;
  try {
    const res = await fetch(`${info.url}${STATUS_PATH}`, { headers: { authorization: `Bearer ${info.token}` }, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    snapshot = await res.json() as StatusSnapshot;
  } catch (err) {
    out(`Verbatim is not answering at ${info.url} (pid ${info.pid}; ${(err as Error).message}): stopped without a clean shutdown, or hung.\n`);
    return 3;
  }
  if (config.json) out(`${JSON.stringify(snapshot, null, 2)}\n`);
  else out(describeStatus(snapshot));
  return snapshot.store.state === 'open' ? 0 : 1;
}

export function describeStatus(s: StatusSnapshot): string {
  const n = (x: number): string => x.toLocaleString('en');
  const up = Math.round((s.at - s.startedAt) / 1000);
  const store = s.store.state === 'degraded'
    ? `NOT WRITABLE since ${new Date(s.store.since).toISOString()} (${s.store.reason}): refusing writes until a probe write succeeds (retried every second)`
    : s.store.state;
  return `Verbatim pid ${s.pid}, up ${up < 120 ? `${up} s` : `${Math.round(up / 60)} min`}
  store:            ${store}
  captures:         ${n(s.captures.stored)} stored, ${n(s.captures.dropped)} dropped (could not be stored), ${n(s.captures.bodiesWithheld)} bodies withheld, ${n(s.captures.truncated)} truncated
  recorder uploads: ${n(s.uploads.stored)} stored, ${n(s.uploads.refused)} refused (5xx; the recorder retries), ${n(s.uploads.answeredLate ?? 0)} answered before the store acknowledged them (503; resent)
  sessions:         ${n(s.sessions.failed)} could not be recorded
`;
}
