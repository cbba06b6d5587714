/**
 * One writer at a time for the files `verbatim start` and the `verbatim users …` commands both change (the account
 * file and the audit trail): a lock next to the file (`<file>.lock`, a directory, made atomically by mkdir), held
 * while the writer re-reads the file and writes it. proper-lockfile refreshes the lock while it is held and takes
 * over one left by a killed process once it is stale, so a crash never locks the others out for good.
 */
import lockfile from 'proper-lockfile';
import { VerbatimError } from '../errors';

/** A lock older than this without a refresh belongs to a dead process. */
const STALE_MS = 10_000;

export async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false, // the file may not exist yet
      lockfilePath: `${file}.lock`,
      stale: STALE_MS,
      // About 15 s of waiting in all: another process's write takes milliseconds.
      retries: { retries: 60, factor: 1.3, minTimeout: 5, maxTimeout: 500, randomize: true },
    });
  } catch (err) {
    throw new VerbatimError('FILE_LOCKED', `${file} is being changed by another Verbatim process; try again`, { file }, { cause: err });
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined); // a lock we no longer hold (compromised) is not ours to remove
  }
}
