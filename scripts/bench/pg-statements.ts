/**
 * What the instances asked PostgreSQL during a measured window (pg_stat_statements, loaded by the bench's server):
 * statements per request, time spent in the server, and how much of it was waiting for the store's advisory locks
 * (the write lock every commit takes, the per-session lock of a read-modify-write). A lock's statement time is
 * almost all wait, so it is the lock wait the instances' connections saw.
 */
import type pg from 'pg';

/** The server must load the library at start (`shared_preload_libraries`). */
export const STATEMENTS_SETTINGS = { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '2000' };

export interface StatementFigures {
  calls: number;
  /** Execution time in the server, all statements, seconds. */
  execSeconds: number;
  /** The commit's write lock (pg_advisory_xact_lock): calls and seconds spent in it. */
  writeLock: { calls: number; seconds: number };
  /** The per-session lock (pg_advisory_lock): calls and seconds spent in it. */
  sessionLock: { calls: number; seconds: number };
  /** The few statements that took the most time: where the server's time went. */
  top: { query: string; calls: number; seconds: number }[];
}

/** In the database measured: the extension is per database, its counters per server. */
export async function enableStatements(client: pg.Client): Promise<void> {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
}

/** Starts a window: the counters of every database are cleared (the bench measures one configuration at a time). */
export async function resetStatements(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_stat_statements_reset()');
}

export async function readStatements(client: pg.Client): Promise<StatementFigures> {
  const { rows } = await client.query<{ query: string; calls: string; ms: number }>(
    `SELECT query, calls::text, total_exec_time AS ms FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%FROM pg_locks%'
     ORDER BY total_exec_time DESC`);
  const sum = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).reduce((a, r) => ({ calls: a.calls + Number(r.calls), seconds: a.seconds + r.ms / 1000 }), { calls: 0, seconds: 0 });
  const all = sum(() => true);
  return {
    calls: all.calls,
    execSeconds: all.seconds,
    // The lock statement: taken alone, by the function that also reads the heads (lock_for_commit), or by the one that
    // also writes (commit_locked: its time is then the wait and the server's work under the lock).
    writeLock: sum((r) => r.query.includes('pg_advisory_xact_lock') || r.query.includes('lock_for_commit(') || r.query.includes('commit_locked(')),
    sessionLock: sum((r) => /pg_advisory_lock\(/.test(r.query)),
    top: rows.slice(0, 5).map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 90), calls: Number(r.calls), seconds: r.ms / 1000 })),
  };
}

/**
 * How long the write lock is held per commit, which pg_stat_statements cannot tell (the hold is the round trips
 * between the lock and COMMIT, spent in no statement): pg_locks sampled every `everyMs` on a connection of its own;
 * the share of samples that found the lock granted, times the window, over the commits that took it.
 */
export function sampleLockHeld(config: pg.ClientConfig, Client: typeof pg.Client, key: [number, number], everyMs = 10): { stop: () => Promise<{ samples: number; held: number }> } {
  const client = new Client(config);
  let samples = 0;
  let held = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid AND objsubid = 2 AND granted`, key);
      samples++;
      if (rows[0]!.n > 0) held++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await client.end();
  })();
  return { stop: async () => { running = false; await loop; return { samples, held }; } };
}
