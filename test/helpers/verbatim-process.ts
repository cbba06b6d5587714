/**
 * The built CLI (dist/verbatim.js) as a child process, for the reliability drills (test/drills/): `verbatim start`
 * on ephemeral ports with its own data dir, killed or stopped like an operator or a crash would, and one-shot
 * commands (`verify`, `status`) run against the same data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { StatusSnapshot } from '../../scripts/status';

const root = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(root, 'dist', 'verbatim.js');

export interface RunningVerbatim {
  proxyUrl: string;
  proxyPort: number;
  viewerUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (codes and messages only: it never logs secrets). */
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9: no handler runs, nothing is flushed or sealed. Returns the moment the signal was sent. */
  crash(): Promise<number>;
  /** SIGTERM: the clean stop (drains, seals, closes the store). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** More flags for `verbatim start`. */
  args?: string[];
  /** Run as this user (to make chmod bite; root ignores directory permissions). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  /** More environment (e.g. S3 credentials for `--blobs`); VERBATIM_* of whoever runs the tests never passes. */
  env?: Record<string, string>;
}

/** Starts `verbatim start --data DIR` on ephemeral ports and waits until it says it is recording. */
export async function startVerbatim(dataDir: string, options: StartOptions = {}): Promise<RunningVerbatim> {
  // The drill site listens on loopback, which the forward proxy refuses to reach unless listed.
  const argv = [CLI, 'start', '--data', dataDir, '--proxy-port', '0', '--viewer-port', '0', '--proxy-allow-targets', '127.0.0.1', ...(options.args ?? [])];
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...cleanEnv(), ...options.env },
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const urls = await new Promise<{ proxy: string; viewer: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: a process that never came up would keep the test file alive until its timeout.
      child.kill('SIGKILL');
      reject(new Error(`verbatim start did not come up within ${options.timeoutMs ?? 20_000} ms:\n${out}\n${err}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const proxy = /Proxy:\s+(http:\/\/\S+)/.exec(out)?.[1];
      const viewer = /Replay viewer:\s+(http:\/\/[^/\s]+)/.exec(out)?.[1];
      if (proxy && viewer) {
        clearTimeout(timer);
        resolve({ proxy, viewer });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`verbatim start exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
    });
  });
  return {
    proxyUrl: urls.proxy,
    proxyPort: Number(new URL(urls.proxy).port),
    viewerUrl: urls.viewer,
    child,
    stderr: () => err,
    exited,
    async crash() {
      const at = Date.now();
      child.kill('SIGKILL');
      await exited;
      return at;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a one-shot command (`verify`, `status`, …) against a data dir. */
export function runVerbatim(args: string[], options: { uid?: number; gid?: number; env?: Record<string, string>; input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...cleanEnv(), ...options.env },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    // A password for `verbatim users add|passwd`, piped as a script would.
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** `verbatim verify` on a stopped Verbatim (as the user who owns the data dir): OK or not, its output and notes. */
export async function verifyDataDir(dataDir: string, as: { uid?: number; gid?: number } = {}): Promise<{ ok: boolean; output: string; notes: string[] }> {
  const r = await runVerbatim(['verify', '--data', dataDir], as);
  const notes = r.stdout.split('\n').filter((l) => l.startsWith('note: '));
  return { ok: r.code === 0 && /^OK: /m.test(r.stdout), output: r.stdout + r.stderr, notes };
}

/** `verbatim status --json`: the running process's snapshot (scripts/status.ts) and the command's exit code. */
export async function statusOf(dataDir: string, as: { uid?: number; gid?: number } = {}): Promise<{ code: number | null; snapshot?: StatusSnapshot; output: string }> {
  const r = await runVerbatim(['status', '--json', '--data', dataDir], as);
  let snapshot: StatusSnapshot | undefined;
  try { snapshot = JSON.parse(r.stdout) as StatusSnapshot; } catch { snapshot = undefined; }
  return { code: r.code, ...(snapshot ? { snapshot } : {}), output: r.stdout + r.stderr };
}

/** The environment without VERBATIM_* settings of whoever runs the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VERBATIM_')) env[k] = v;
  return env;
}
