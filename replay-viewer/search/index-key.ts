/**
 * The search index's key: what keeps the index from undoing encryption at rest. Every token the index stores is an
 * HMAC-SHA256 of the word under this key, and every snippet and entry URL is sealed with AES-256-GCM under a key
 * derived from it, so a copy of <data>/search without <data>/keys reveals no seen or typed text. It lives next to the
 * store's keys (<data>/keys/search-index.key, 0600), written whole or not at all.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { VerbatimError } from '../../store/errors';
import { readOrCreateKeyFile } from '../../store/key-file';

export const INDEX_KEY_FILE = 'search-index.key';
const KEY_BYTES = 32;
/** 80 bits: no collisions to speak of below 10^12 distinct words, and short rows. */
const TOKEN_HEX = 20;
/** Words whose tokens are remembered (about 10 MB at most). */
const TOKEN_CACHE = 50_000;

export class IndexKey {
  private readonly tokenKey: Buffer;
  private readonly sealKey: Buffer;
  private readonly tokens = new Map<string, string>();

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new VerbatimError('CONFIG_INVALID', 'the search index key is damaged (wrong length)', { bytes: key.length });
    // Separate keys for hashing and sealing, so neither use weakens the other.
    this.tokenKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'verbatim search tokens', 32));
    this.sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'verbatim search snippets', 32));
  }

  /**
   * A token as stored: lower-case hex, so every FTS5 tokenizer keeps it whole. Remembered for the words met most
   * lately: the same words recur on every page, and the HMACs are most of the cost of indexing a hit.
   */
  token(kindTag: string, word: string): string {
    const input = `${kindTag}\u0000${word}`;
    let token = this.tokens.get(input);
    if (token === undefined) {
      token = createHmac('sha256', this.tokenKey).update(input, 'utf8').digest('hex').slice(0, TOKEN_HEX);
      if (this.tokens.size >= TOKEN_CACHE) this.tokens.delete(this.tokens.keys().next().value!);
    } else {
      this.tokens.delete(input);
    }
    this.tokens.set(input, token);
    return token;
  }

  /** 0x01 ‖ nonce(12) ‖ ciphertext ‖ tag(16); `aad` binds it to its row (a sealed value moved elsewhere does not open). */
  seal(text: string, aad: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    return Buffer.concat([Buffer.from([1]), nonce, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  }

  open(sealed: Uint8Array, aad: string): string {
    const b = Buffer.from(sealed);
    if (b[0] !== 1 || b.length < 29) throw new VerbatimError('STORE_CORRUPT', 'a sealed search value is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, b.subarray(1, 13));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(b.subarray(b.length - 16));
    return Buffer.concat([decipher.update(b.subarray(13, b.length - 16)), decipher.final()]).toString('utf8');
  }
}

/** The key from <keysDir>/search-index.key, made (0600) on first use (store/key-file.ts). */
export async function loadOrCreateIndexKey(keysDir: string): Promise<IndexKey> {
  return new IndexKey(await readOrCreateKeyFile(path.join(keysDir, INDEX_KEY_FILE), () => randomBytes(KEY_BYTES)));
}
