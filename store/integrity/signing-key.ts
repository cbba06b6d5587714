import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readOrCreateKeyFile } from '../key-file';

/**
 * The Ed25519 key that signs checkpoints, made at first start in <data>/keys/.
 * The private key is PKCS#8 PEM, mode 0600; the public key is also written as a
 * note verifier key (`<name>+<keyid hex>+<base64(0x01‖pubkey)>`, the format of
 * Go's golang.org/x/mod/sumdb/note), which is what an auditor is handed.
 */

export const PRIVATE_KEY_FILE = 'checkpoint-signing.key';
export const VERIFIER_KEY_FILE = 'checkpoint-signing.vkey';
/** Default checkpoint origin / key name. */
export const DEFAULT_ORIGIN = 'verbatim.local/store';

export interface SigningKey {
  name: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Raw 32-byte Ed25519 public key. */
  publicRaw: Buffer;
  /** First 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ publicRaw). */
  keyId: Buffer;
}

export interface VerifierKey {
  name: string;
  publicKey: KeyObject;
  publicRaw: Buffer;
  keyId: Buffer;
}

export async function loadOrCreateSigningKey(keysDir: string, name = DEFAULT_ORIGIN): Promise<SigningKey> {
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  // Never overwriting a key another process made meanwhile (../key-file.ts).
  const pem = (await readOrCreateKeyFile(join(keysDir, PRIVATE_KEY_FILE), () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toString('utf8');
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const publicRaw = rawPublicKey(publicKey);
  const keyId = noteKeyId(name, publicRaw);
  await writeFile(join(keysDir, VERIFIER_KEY_FILE), `${formatVerifierKey(name, keyId, publicRaw)}\n`, { mode: 0o644 });
  return { name, privateKey, publicKey, publicRaw, keyId };
}

export function noteKeyId(name: string, publicRaw: Uint8Array): Buffer {
  return createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, 0x01])).update(publicRaw).digest().subarray(0, 4);
}

export function formatVerifierKey(name: string, keyId: Uint8Array, publicRaw: Uint8Array): string {
  return `${name}+${Buffer.from(keyId).toString('hex')}+${Buffer.concat([Buffer.from([0x01]), publicRaw]).toString('base64')}`;
}

export function parseVerifierKey(text: string): VerifierKey {
  // Base64 may itself contain '+': only the first two separate fields.
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = trimmed.indexOf('+', first + 1);
  const name = trimmed.slice(0, Math.max(first, 0));
  const idHex = first < 0 || second < 0 ? '' : trimmed.slice(first + 1, second);
  const raw = Buffer.from(second < 0 ? '' : trimmed.slice(second + 1), 'base64');
  if (!name || !/^[0-9a-f]{8}$/.test(idHex) || raw.length !== 33 || raw[0] !== 0x01) {
    throw new Error('not an Ed25519 note verifier key');
  }
  const publicRaw = raw.subarray(1);
  const keyId = noteKeyId(name, publicRaw);
  if (keyId.toString('hex') !== idHex) throw new Error('verifier key id does not match its key');
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicRaw.toString('base64url') }, format: 'jwk' });
  return { name, publicKey, publicRaw, keyId };
}

export async function readVerifierKey(keysDir: string): Promise<VerifierKey> {
  return parseVerifierKey(await readFile(join(keysDir, VERIFIER_KEY_FILE), 'utf8'));
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}
