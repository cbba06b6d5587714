/**
 * A throw-away PostgreSQL cluster for tests: initdb into a temp dir, listening only on a unix socket in that dir
 * (no TCP port, nothing shared with other tests), fsync off. Each test asks it for its own database. initdb refuses to
 * run as root, so as root the dir belongs to the `postgres` system user and the server binaries run as that user.
 * Used by the search index's PostgreSQL backend; meant for any other PostgreSQL-backed part (the scale-out store).
 */
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { access, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { VerbatimError } from '../../store/errors';
import { onProcessExit } from './exit-cleanup';

const run = promisify(execFile);
const SUPERUSER = 'postgres';
const PORT = 5432;

export interface PostgresServer {
  /** The cluster's files (tests that look at what reached the disk). */
  dataDir: string;
  /** The socket dir (the `host` of a connection). */
  socketDir: string;
  /** A connection config for the `pg` client, to the `postgres` database. */
  config(database?: string): pg.ClientConfig;
  /** `postgres://` URL of a database here (the socket dir in `host=`). */
  url(database: string): string;
  /** A fresh, empty database (named after `prefix` and a counter); pg_trgm is installable in it. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (`pg_ctl stop -m fast`: connections are cut, as in a restart); its data stays. Outage drills. */
  halt(): Promise<void>;
  /** Starts it again on the same socket after `halt()`. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Where the server binaries are: Debian's versioned dir (newest first), else PATH. */
export async function findPostgresBin(): Promise<string | undefined> {
  const candidates: string[] = [];
  for (const v of ['17', '16', '15', '14']) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  candidates.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
  for (const dir of candidates) {
    const ok = await Promise.all(['initdb', 'pg_ctl', 'postgres'].map((b) => access(path.join(dir, b)).then(() => true, () => false)));
    if (ok.every(Boolean)) return dir;
  }
  return undefined;
}

export interface StartOptions {
  /** Server settings over the test defaults (e.g. `{ shared_buffers: '256MB' }` for a bench). */
  settings?: Record<string, string>;
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const bin = await findPostgresBin();
  if (!bin) {
    throw new VerbatimError('UNSUPPORTED', 'PostgreSQL is not installed (initdb, pg_ctl and postgres not found): apt-get install postgresql', {
      looked: '/usr/lib/postgresql/<version>/bin and PATH',
    });
  }
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-pg-'));
  const dataDir = path.join(dir, 'data');
  // As root the binaries run as `postgres`, which must own the dir (and traverse the temp dir's parent: /tmp is 1777).
  const exec = async (cmd: string, args: string[]) => {
    const full = path.join(bin, cmd);
    const [file, argv] = asRoot ? ['runuser', ['-u', SUPERUSER, '--', full, ...args]] : [full, args];
    try {
      return await run(file, argv, { cwd: dir, timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new VerbatimError('INTERNAL', `${cmd} failed: ${(e.stderr ?? e.message).trim().slice(0, 2000)}`, { cmd }, { cause: err });
    }
  };
  let started = false;
  let startServer = async (): Promise<unknown> => undefined;
  // pg_ctl starts the server as a daemon: should this process end without stop(), it is stopped at exit.
  const forget = onProcessExit(() => {
    const full = path.join(bin, 'pg_ctl');
    const [file, argv] = asRoot ? ['runuser', ['-u', SUPERUSER, '--', full]] : [full, []];
    execFileSync(file, [...argv, 'stop', '-D', dataDir, '-m', 'immediate', '-s'], { stdio: 'ignore', timeout: 20_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  const stop = async () => {
    forget();
    if (started) await exec('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-s']).catch(() => undefined);
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (asRoot) {
      const { stdout } = await run('id', ['-u', SUPERUSER]).catch(() => {
        throw new VerbatimError('UNSUPPORTED', `running as root needs the ${SUPERUSER} system user (initdb refuses root)`);
      });
      const { stdout: gid } = await run('id', ['-g', SUPERUSER]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await exec('initdb', ['-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Throw-away data: no fsync, small buffers, no TCP.
    const settings: Record<string, string> = {
      listen_addresses: "''", fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '16MB', max_connections: '40',
      ...options.settings,
    };
    const opts = [`-k ${dir}`, `-p ${PORT}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    startServer = () => exec('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '30', '-s', '-l', path.join(dir, 'server.log'), '-o', opts]);
    await startServer();
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  let databases = 0;
  const config = (database = 'postgres'): pg.ClientConfig => ({ host: dir, port: PORT, user: SUPERUSER, database });
  return {
    socketDir: dir,
    dataDir,
    config,
    // The socket dir as `host=` (pg reads it over the URL's host name, which a URL cannot leave empty).
    url: (database) => `postgres://${SUPERUSER}@localhost/${database}?host=${encodeURIComponent(dir)}&port=${PORT}`,
    async createDatabase(prefix = 'test') {
      const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${++databases}`;
      const client = new pg.Client(config());
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return name;
    },
    async halt() {
      await exec('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-s']);
    },
    async resume() {
      await startServer();
    },
    stop,
  };
}
