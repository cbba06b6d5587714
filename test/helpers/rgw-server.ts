/**
 * A real S3 server for tests: scripts/rgw-server.sh starts a throw-away single-node Ceph cluster with radosgw on
 * loopback (about 2 s), stops it after the file. A machine without Ceph's packages skips those tests with the install
 * line, except in CI (CI=1), where a missing server is a failure: a test that claims S3 works must have run against S3.
 */
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VerbatimError } from '../../store/errors';
import { onProcessExit } from './exit-cleanup';

const run = promisify(execFile);
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/rgw-server.sh');
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'];
export const RGW_INSTALL = 'apt-get install -y --no-install-recommends ceph-mon ceph-mgr ceph-osd radosgw ceph-common';

export interface RgwServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** The cluster's temp dir (config, logs, pid files). */
  dir: string;
  /** Stop the gateway only: the object store is unreachable, its data stays. KILL: a crash, nothing in flight completes. */
  pause(signal?: 'TERM' | 'KILL'): Promise<void>;
  /** Start the gateway again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why RGW tests cannot run here (the `skip` of a describe), or undefined: they run. In CI they always run. */
export function rgwSkipReason(): string | undefined {
  if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') return undefined;
  const missing = BINARIES.filter((b) => !onPath(b));
  return missing.length ? `Ceph RGW not installed (${missing.join(', ')} missing): ${RGW_INSTALL}` : undefined;
}

async function script(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(SCRIPT, args, { timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new VerbatimError('INTERNAL', `rgw-server.sh ${args[0]} failed: ${(e.stderr || e.message).trim().slice(0, 2000)}`, { args }, { cause: err });
  }
}

export async function startRgw(): Promise<RgwServer> {
  const line = (await script('start')).trim().split('\n').pop() ?? '';
  const vars = Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const { S3_ENDPOINT: endpoint, S3_ACCESS_KEY: accessKey, S3_SECRET_KEY: secretKey, RGW_DIR: dir } = vars;
  if (!endpoint || !accessKey || !secretKey || !dir) throw new VerbatimError('INTERNAL', 'rgw-server.sh start printed no S3_ENDPOINT line', { line: line.slice(0, 200) });
  let stopped = false;
  // The cluster runs as daemons: should this process end without stop(), the script stops it at exit.
  const forget = onProcessExit(() => void execFileSync(SCRIPT, ['stop', dir], { stdio: 'ignore', timeout: 60_000 }));
  return {
    endpoint, accessKey, secretKey, dir,
    pause: async (signal = 'TERM') => void await script('pause', dir, signal),
    resume: async () => void await script('resume', dir),
    async stop() {
      if (stopped) return;
      stopped = true;
      forget();
      await script('stop', dir);
    },
  };
}

/**
 * One server for the calling test file: started before its tests, stopped after them. Read `.server` in tests.
 * `skip`: the file's tests will not run (pass the same reason as their describe's), so start nothing.
 */
export function rgwForFile(skip: string | undefined = rgwSkipReason()): { readonly server: RgwServer } {
  let server: RgwServer | undefined;
  before(async () => {
    if (skip) return;
    server = await startRgw();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new VerbatimError('INTERNAL', 'the RGW server is not started (read .server inside a test)');
      return server;
    },
  };
}
