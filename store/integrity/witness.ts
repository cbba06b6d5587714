import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An append-only log of checkpoints kept outside LevelDB (default
 * <data>/keys/checkpoint-head): one line per checkpoint, "<seq> <size> <records>
 * <sha256 hex of the signed note> <time>". A store directory restored from an
 * older copy lacks the newer checkpoints this log names, which verify reports.
 * Put it on other media (WORM share, another host) to also catch a rollback of
 * the whole data directory.
 */

export const WITNESS_FILE = 'checkpoint-head';

export interface WitnessEntry {
  seq: number;
  size: number;
  records: number;
  hash: string;
  time: number;
}

export async function appendWitness(path: string, entry: WitnessEntry): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = await open(path, 'a', 0o600);
  try {
    await file.write(`${entry.seq} ${entry.size} ${entry.records} ${entry.hash} ${entry.time}\n`);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** The newest well-formed entry, or undefined when the log is absent or empty. */
export async function readLatestWitness(path: string): Promise<WitnessEntry | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const lines = text.split('\n').filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const [seq, size, records, hash, time] = lines[i]!.split(' ');
    if (hash && /^[0-9a-f]{64}$/.test(hash)) {
      return { seq: Number(seq), size: Number(size), records: Number(records), hash, time: Number(time) };
    }
  }
  return undefined;
}
