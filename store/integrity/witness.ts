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

/** Every well-formed entry, oldest first ([] when the log is absent). A torn last line is skipped. */
export async function readWitness(path: string): Promise<WitnessEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: WitnessEntry[] = [];
  for (const line of text.split('\n')) {
    const [seq, size, records, hash, time] = line.split(' ');
    if (hash && /^[0-9a-f]{64}$/.test(hash) && /^\d+$/.test(seq ?? '')) {
      out.push({ seq: Number(seq), size: Number(size), records: Number(records), hash, time: Number(time) });
    }
  }
  return out;
}
