/**
 * The data directory holds customers' sessions, keys, accounts, terminal tokens,
 * the audit trail and the customer index: nobody but its owner may read any of it.
 * New files get mode 0600 from the process umask (LevelDB's own files included);
 * a directory made earlier (by hand, by an older version, restored from a backup)
 * is tightened at start: the directory and everything under it to 0700 / 0600.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

export async function secureDataDir(dir: string): Promise<void> {
  // Files and directories created from here on: owner only.
  process.umask(0o077);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await tighten(dir);
}

async function tighten(target: string): Promise<void> {
  const info = await lstat(target);
  // Symbolic links are left alone: never follow one out of the data directory.
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    if ((info.mode & 0o777) !== 0o700) await chmod(target, 0o700);
    for (const name of await readdir(target)) await tighten(path.join(target, name));
  } else if (info.isFile() && (info.mode & 0o777) !== 0o600) {
    await chmod(target, 0o600);
  }
}
