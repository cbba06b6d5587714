/**
 * What every drill file sets up alike: a temp data dir, the drill site, the Verbatim processes it starts (stopped
 * after the file, whatever happened) and the small disks it mounts (unmounted after).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startDrillSite, type DrillSite } from './drill-site';
import type { SmallDisk } from './full-disk';
import { startVerbatim, type RunningVerbatim, type StartOptions } from './verbatim-process';

export interface DrillBench {
  /** Set before the file's tests run. */
  dir: string;
  site: DrillSite;
  /** Mounted disks to unmount after the file. */
  disks: SmallDisk[];
  start(data: string, options?: StartOptions): Promise<RunningVerbatim>;
}

/** `traversable`: the dir is 0755, for drills that run Verbatim as an unprivileged user inside it. */
export function drillBench(prefix: string, opts: { traversable?: boolean } = {}): DrillBench {
  const running = new Set<RunningVerbatim>();
  const bench: DrillBench = {
    dir: '',
    site: undefined as unknown as DrillSite,
    disks: [],
    async start(data, options) {
      const v = await startVerbatim(data, options);
      running.add(v);
      return v;
    },
  };
  before(async () => {
    bench.dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    if (opts.traversable) await chmod(bench.dir, 0o755);
    bench.site = await startDrillSite();
  });
  after(async () => {
    for (const v of running) if (v.child.exitCode === null && v.child.signalCode === null) await v.stop();
    for (const d of bench.disks) await d.unmount();
    await bench.site?.close();
    if (bench.dir) await rm(bench.dir, { recursive: true, force: true });
  });
  return bench;
}
