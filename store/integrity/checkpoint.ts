import { createHash, sign, verify } from 'node:crypto';
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

const EM_DASH = '\u2014';

export function formatBody(body: CheckpointBody): string {
  return `${body.origin}\n${body.size}\n${body.root.toString('base64')}\n`
    + `time ${body.time}\nrecords ${body.records}\nprev ${body.prev ? body.prev.toString('base64') : '-'}\n`;
}

export function signCheckpoint(body: CheckpointBody, key: SigningKey): string {
  const text = formatBody(body);
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  return `${text}\n${EM_DASH} ${key.name} ${Buffer.concat([key.keyId, signature]).toString('base64')}\n`;
}

export function checkpointHash(note: string): Buffer {
  return createHash('sha256').update(note, 'utf8').digest();
}

/** Parses a signed note and checks its signature; throws with the reason. */
export function openCheckpoint(note: string, key: VerifierKey): CheckpointBody {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('no signature block');
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2).split('\n').filter((l) => l.length > 0);
  let signed = false;
  for (const line of sigLines) {
    const [dash, name, b64] = line.split(' ');
    if (dash !== EM_DASH || name !== key.name || !b64) continue;
    const raw = Buffer.from(b64, 'base64');
    if (raw.length !== 68 || !raw.subarray(0, 4).equals(key.keyId)) continue;
    if (verify(null, Buffer.from(text, 'utf8'), key.publicKey, raw.subarray(4))) signed = true;
  }
  if (!signed) throw new Error('signature does not verify with the store public key');
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
