import { sign, verify } from 'node:crypto';
import type { SigningKey, VerifierKey } from './signing-key';

/**
 * C2SP signed notes (the format of Go's golang.org/x/mod/sumdb/note): a text ending in a newline, a blank line,
 * then `— <key name> <base64(key id ‖ Ed25519 signature over the text)>`. Checkpoints are signed notes
 * (checkpoint.ts); so is anything else the store's key vouches for (the viewer's review result sets), so one
 * verifier key checks them all.
 */

const EM_DASH = '\u2014';

export function signNote(text: string, key: SigningKey): string {
  if (!text.endsWith('\n')) throw new Error('a signed note\'s text ends with a newline');
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  return `${text}\n${EM_DASH} ${key.name} ${Buffer.concat([key.keyId, signature]).toString('base64')}\n`;
}

/** The note's text once a signature by `key` verifies over it; throws with the reason otherwise. */
export function openNote(note: string, key: VerifierKey): string {
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
  return text;
}
