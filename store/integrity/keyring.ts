import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VerbatimError } from '../errors';

/**
 * Per-session data keys for encryption at rest (AES-256-GCM), one 0600 file per
 * session in a keyring directory outside the LevelDB directory (<data>/keys/
 * keyring/<SHA-256 of the session id>), so a copy of the store without the
 * keyring reveals none of a session's own data: its record (s!), events (e!),
 * personal bodies (p!) and WebSocket messages (w!). Destroying a session's key (erasure) makes every
 * copy of its ciphertext, backups included, unreadable.
 *
 * Sealed value: 0x02 ‖ nonce(12) ‖ ciphertext ‖ tag(16); the record key is the
 * additional data, so a ciphertext moved under another key does not open.
 */
export const CODEC_AES_GCM = 2;

export class Keyring {
  private readonly cache = new Map<string, Promise<Buffer | undefined>>();

  constructor(private readonly dir: string) {}

  private file(sessionId: string): string {
    return join(this.dir, createHash('sha256').update(sessionId, 'utf8').digest('hex'));
  }

  private key(sessionId: string, create: boolean): Promise<Buffer | undefined> {
    let key = this.cache.get(sessionId);
    if (!key) {
      key = (async () => {
        try {
          return await readFile(this.file(sessionId));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) return undefined;
        }
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        const fresh = randomBytes(32);
        try {
          await writeFile(this.file(sessionId), fresh, { mode: 0o600, flag: 'wx' });
          return fresh;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(this.file(sessionId));
          throw err;
        }
      })();
      this.cache.set(sessionId, key);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
      // A failed or missing lookup is not remembered.
      key.then((k) => { if (!k) this.cache.delete(sessionId); }, () => this.cache.delete(sessionId));
    }
    return key;
  }

  async seal(sessionId: string, recordKey: string, plain: Uint8Array): Promise<Uint8Array> {
    const key = (await this.key(sessionId, true))!;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(recordKey, 'utf8'));
    return Buffer.concat([Buffer.from([CODEC_AES_GCM]), nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  /** The plain value; values that are not sealed (JSON starts with `{`) pass through. */
  async open(sessionId: string, recordKey: string, stored: Uint8Array): Promise<Uint8Array> {
    if (stored[0] !== CODEC_AES_GCM) return stored;
    const key = await this.key(sessionId, false);
    if (!key) throw new VerbatimError('BLOB_MISSING', 'the session key is gone (erased or keyring missing)', { sessionId });
    return openSealed(key, recordKey, stored);
  }

  /** Crypto-shredding: the session's sealed records can never be read again. */
  async destroy(sessionId: string): Promise<void> {
    this.cache.delete(sessionId);
    await rm(this.file(sessionId), { force: true });
  }

  /** The raw key (for an evidence export, which is itself personal data). */
  exportKey(sessionId: string): Promise<Buffer | undefined> {
    return this.key(sessionId, false);
  }
}

/** Decrypts one sealed value with a raw session key (also used for evidence files, which carry the key). Throws when it does not open. */
export function openSealed(key: Uint8Array, recordKey: string, stored: Uint8Array): Buffer {
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, b.subarray(1, 13));
  decipher.setAAD(Buffer.from(recordKey, 'utf8'));
  decipher.setAuthTag(b.subarray(b.length - 16));
  return Buffer.concat([decipher.update(b.subarray(13, b.length - 16)), decipher.final()]);
}
