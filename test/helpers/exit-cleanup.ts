/**
 * Last-resort cleanup of servers a test started as daemons (pg_ctl, rgw-server.sh): they outlive the test process
 * when it ends before its `after` hooks ran or finished (a failed hook, a test killed by the runner's timeout, an
 * uncaught error), and would keep their cores and ports. The callback runs synchronously at the process's exit.
 */
const cleanups = new Set<() => void>();
let hooked = false;

/** Runs `cleanup` (synchronous work only) when the process exits; the returned function forgets it (a normal stop). */
export function onProcessExit(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of cleanups) {
        try {
          c();
        } catch {
          // The next cleanup still runs: one server failing to stop must not keep the others.
        }
      }
    });
  }
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}
