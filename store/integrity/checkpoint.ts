import { createHash } from 'node:crypto';
import { openNote, signNote } from './signed-note';
import type { SigningKey, VerifierKey } from './signing-key';

/**
 * Checkpoints as C2SP tlog-checkpoint signed notes:
 *
 *   <origin>\n<tree size>\n<base64 root>\n      the checkpoint body (size = number of chains)
 *   time <epoch ms>\n                           extension lines
 *   records <links in all chains>\n
 *   prev <base64 SHA-256 of the previous signed note, or "-">\n
 *   \n
 *   — <key name> <base64(key id ‖ Ed25519 signature over the body)>\n
 *
 * The checkpoint's own hash (what `prev` and the witness log hold) is SHA-256
 * of the whole signed note.
 */

export interface CheckpointBody {
  origin: string;
  size: number;
  root: Buffer;
  time: number;
  records: number;
  prev: Buffer | undefined;
}

export function formatBody(body: CheckpointBody): string {
  return `${body.origin}\n${body.size}\n${body.root.toString('base64')}\n`
    + `time ${body.time}\nrecords ${body.records}\nprev ${body.prev ? body.prev.toString('base64') : '-'}\n`;
}

export function signCheckpoint(body: CheckpointBody, key: SigningKey): string {
  return signNote(formatBody(body), key);
}

export function checkpointHash(note: string): Buffer {
  return createHash('sha256').update(note, 'utf8').digest();
}

/** Parses a signed note and checks its signature; throws with the reason. */
export function openCheckpoint(note: string, key: VerifierKey): CheckpointBody {
  const text = openNote(note, key);
  const lines = text.split('\n');
  const [origin, size, root] = lines;
  const ext = new Map(lines.slice(3).filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
  if (origin === undefined || !/^\d+$/.test(size ?? '') || !root) throw new Error('malformed checkpoint body');
  const prev = ext.get('prev');
  return {
    origin,
    size: Number(size),
    root: Buffer.from(root, 'base64'),
    time: Number(ext.get('time')),
    records: Number(ext.get('records')),
    prev: prev === undefined || prev === '-' ? undefined : Buffer.from(prev, 'base64'),
  };
}

/** Stored under K!<seq>: the note plus the chains whose count changed since the previous checkpoint. */
export interface StoredCheckpoint {
  seq: number;
  note: string;
  /**
   * [chain, count, base64 head hash] for every chain that grew (or appeared) since the
   * previous checkpoint; folding them gives the signed tree's leaves, so verify can
   * name the chain that differs.
   */
  changed: [string, number, string][];
}
