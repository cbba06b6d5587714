/**
 * The data directory holds customers' sessions, keys, accounts, terminal tokens,
 * the audit trail and the customer index: nobody but its owner may read any of it.
 * New files get mode 0600 from the process umask (LevelDB's own files included);
 * a directory made earlier (by hand, by an older version, restored from a backup)
 * is tightened at start: the directory and everything under it to 0700 / 0600.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Returns what could not be tightened (a file or directory this user does not own, or cannot enter): the caller
 * warns. Not fatal: a store made unwritable underneath us must not keep the proxy down (it opens degraded, and
 * `verbatim status` says why); a file we do not own is not ours to change.
 */
export async function secureDataDir(dir: string): Promise<string[]> {
  // Files and directories created from here on: owner only.
  process.umask(0o077);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const left: string[] = [];
  await tighten(dir, left);
  return left;
}

async function tighten(target: string, left: string[]): Promise<void> {
  try {
    const info = await lstat(target);
    // Symbolic links are left alone: never follow one out of the data directory.
    if (info.isSymbolicLink()) return;
    if (info.isDirectory()) {
      if ((info.mode & 0o777) !== 0o700) await chmod(target, 0o700);
      for (const name of await readdir(target)) await tighten(path.join(target, name), left);
    } else if (info.isFile() && (info.mode & 0o777) !== 0o600) {
      await chmod(target, 0o600);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Gone meanwhile: a running `verbatim start` renames its temp files into place while this walks the directory.
    if (code === 'ENOENT') return;
    if (code !== 'EPERM' && code !== 'EACCES') throw err;
    left.push(`${target} (${code})`);
  }
}
