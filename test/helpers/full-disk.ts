/**
 * A real full disk for the drills: a small tmpfs mounted on a test directory (root only; CI runs the tests as
 * root), filled to the last byte by a filler file, then freed again. No mock: Verbatim's writes meet ENOSPC from
 * the kernel, as on a production disk.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SmallDisk {
  dir: string;
  /** Fills every free byte; returns how many were written. */
  fill(): number;
  /** Deletes the filler: the space is back. */
  free(): void;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `megabytes` on `dir`, or says why it cannot (not root, no mount permission in the container). */
export async function mountSmallDisk(dir: string, megabytes: number): Promise<SmallDisk | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'mounting a small tmpfs needs root (CI runs the drills as root)' };
  await mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    return { skip: `cannot mount a tmpfs here (${(err as { stderr?: string }).stderr?.trim() || (err as Error).message})` };
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      let written = 0;
      try {
        // Large chunks first, then ever smaller ones, down to the last page.
        for (let chunk = 1 << 20; chunk >= 512;) {
          try {
            written += writeSync(fd, Buffer.alloc(chunk, 0x5a));
          } catch {
            chunk >>= 1;
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free() {
      rmSync(filler, { force: true });
    },
    async unmount() {
      await run('umount', ['-l', dir]).catch(() => undefined);
    },
  };
}
