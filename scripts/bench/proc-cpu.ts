/**
 * CPU time of other processes from /proc (Linux): what a bench charges to each instance, to PostgreSQL (the postmaster
 * and every backend it forked) and to the object store's daemons. /proc/<pid>/stat counts every thread of a process
 * (an instance's ingest worker included), which process.cpuUsage in a child cannot report for processes we did not fork.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (100 on every Linux here; asked once). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat { ppid: number; cpuSeconds: number }

function statOf(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces: fields are counted after its closing one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS };
}

/** CPU seconds (user + system, all threads) of a process, 0 when it is gone. */
export function cpuSecondsOf(pid: number): number {
  return statOf(pid)?.cpuSeconds ?? 0;
}

/**
 * CPU seconds of a process and all its children alive now (PostgreSQL's backends). A backend that exited since the
 * last reading takes its time with it: benches keep their connections open across a measurement.
 */
export function treeCpuSeconds(root: number): number {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(Number(name));
    if (s) stats.set(Number(name), s);
  }
  const inTree = new Set([root]);
  // Parents before children is not guaranteed by pid order: iterate until no process joins.
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of inTree) total += stats.get(pid)?.cpuSeconds ?? 0;
  return total;
}
