/**
 * How record values are written, the same on every backend: one codec byte and the payload (JSON, deflated where it
 * pays), then — for a session's own records when the store has a keyring — sealed with the session's key, the
 * record's logical id as additional data (keyring.ts).
 */
import { decodeJson, decodeValue, encodeJson, withCodec, CODEC_RAW } from '../blob-codec';
import type { Keyring } from '../integrity/keyring';

export class RecordCodec {
  constructor(
    private readonly keyring: Keyring | undefined,
    private readonly deflate: (bytes: Uint8Array, level: number) => Promise<Uint8Array>,
  ) {}

  get sealing(): boolean {
    return this.keyring !== undefined;
  }

  /** JSON, uncompressed and in clear (capture records: lookups and verify read them). */
  plainJson(value: unknown): Uint8Array {
    return withCodec(CODEC_RAW, encodeJson(value));
  }

  /** JSON (deflated at `level` when given), sealed with the session's key when there is a keyring. */
  async sealedJson(sessionId: string, id: string, value: unknown, level?: number): Promise<Uint8Array> {
    const json = encodeJson(value);
    return this.seal(sessionId, id, level === undefined ? withCodec(CODEC_RAW, json) : await this.deflate(json, level));
  }

  /** Bytes already codec-encoded, sealed when there is a keyring. */
  seal(sessionId: string, id: string, encoded: Uint8Array): Promise<Uint8Array> {
    return this.keyring ? this.keyring.seal(sessionId, id, encoded) : Promise.resolve(encoded);
  }

  /** The codec-encoded bytes of a stored value (opened when sealed). */
  async open(sessionId: string, id: string, stored: Uint8Array): Promise<Uint8Array> {
    return this.keyring ? this.keyring.open(sessionId, id, stored) : stored;
  }

  async json<T>(sessionId: string, id: string, stored: Uint8Array): Promise<T> {
    return decodeJson<T>(await decodeValue(await this.open(sessionId, id, stored)));
  }

  async bytes(sessionId: string, id: string, stored: Uint8Array): Promise<Uint8Array> {
    return decodeValue(await this.open(sessionId, id, stored));
  }
}
