import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VerbatimError } from '../errors';

/**
 * Per-session data keys for encryption at rest (AES-256-GCM), one 0600 file per
 * session in a keyring directory outside the LevelDB directory (<data>/keys/
 * keyring/<SHA-256 of the session id>), so a copy of the store without the
 * keyring reveals none of a session's own data: its record (s!), events (e!),
 * personal bodies (p!), WebSocket messages (w!) and notes. Destroying a session's key (erasure) makes every
 * copy of its ciphertext, backups included, unreadable.
 *
 * Sealed value: 0x02 ‖ nonce(12) ‖ ciphertext ‖ tag(16); the record's logical id is
 * the additional data, so a ciphertext moved under another id does not open.
 *
 * A key file is written whole or not at all (temporary file, fsync, rename), and a
 * key file that is not exactly 32 bytes (a disk that filled up half-way) is refused
 * rather than used: sealing with a broken key would make every record unreadable.
 */
export const CODEC_AES_GCM = 2;
const KEY_BYTES = 32;
const INDEX_KEY_FILE = 'customer-index.key';

export class Keyring {
  private readonly cache = new Map<string, Promise<Buffer | undefined>>();
  private indexKey: Promise<Buffer> | undefined;

  constructor(private readonly dir: string) {}

  private file(sessionId: string): string {
    return join(this.dir, createHash('sha256').update(sessionId, 'utf8').digest('hex'));
  }

  private key(sessionId: string, create: boolean): Promise<Buffer | undefined> {
    let key = this.cache.get(sessionId);
    if (!key) {
      key = (async () => {
        const existing = await this.read(sessionId);
        if (existing || !create) return existing;
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await writeKeyFile(this.file(sessionId), randomBytes(KEY_BYTES));
        // Another writer may have won the race: whatever landed is the key.
        return this.read(sessionId);
      })();
      this.cache.set(sessionId, key);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
      // A failed or missing lookup is not remembered.
      key.then((k) => { if (!k) this.cache.delete(sessionId); }, () => this.cache.delete(sessionId));
    }
    return key;
  }

  private async read(sessionId: string): Promise<Buffer | undefined> {
    let key: Buffer;
    try {
      key = await readFile(this.file(sessionId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (key.length !== KEY_BYTES) {
      throw new VerbatimError('SESSION_KEY_DAMAGED', 'a session key file is damaged (wrong length)', { sessionId, bytes: key.length });
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

  /**
   * Blind index of a customer id: HMAC-SHA-256 under a store-wide key kept beside the session keys, so the store can
   * find a customer's sessions without holding the customer id in clear.
   */
  async blindIndex(value: string): Promise<string> {
    this.indexKey ??= (async () => {
      const path = join(this.dir, INDEX_KEY_FILE);
      const read = async (): Promise<Buffer | undefined> => {
        try { return await readFile(path); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; throw err; }
      };
      let key = await read();
      if (!key) {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await writeKeyFile(path, randomBytes(KEY_BYTES));
        key = await read();
      }
      if (!key || key.length !== KEY_BYTES) throw new VerbatimError('STORE_NOT_OPEN', 'the customer index key is damaged', { file: INDEX_KEY_FILE });
      return key;
    })();
    this.indexKey.catch(() => { this.indexKey = undefined; });
    return createHmac('sha256', await this.indexKey).update(value, 'utf8').digest('hex');
  }

  /** The raw key (for an evidence export, which is itself personal data). */
  exportKey(sessionId: string): Promise<Buffer | undefined> {
    return this.key(sessionId, false);
  }
}

/** Writes a new key file atomically; an existing key is never replaced (the first writer wins). */
async function writeKeyFile(path: string, key: Buffer): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(key);
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw new VerbatimError('STORE_WRITE_FAILED', 'could not write a session key', {}, { cause: err });
  }
  await file.close();
  try {
    // link() refuses an existing target, unlike rename(): a key in use is never replaced.
    await link(temp, path).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
  } finally {
    await rm(temp, { force: true });
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
