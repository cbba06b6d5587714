/**
 * Where a scale-out backend keeps big opaque values (shared bodies by digest, event chunks by record id): an object
 * store such as S3, or a table in the same database for tests and small installs. Keys are plain ASCII paths.
 * Writes are durable when the promise resolves; writing the same key twice with the same bytes is harmless.
 */
export interface ObjectStorage {
  put(key: string, value: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Which of these keys exist, in order. */
  has(keys: string[]): Promise<boolean[]>;
  /** Deleting a missing key is not an error. */
  delete(keys: string[]): Promise<void>;
  /**
   * Resolves when the storage answers now, quickly either way (a remote object store: one small request with a short
   * timeout). The store asks it before it takes writes again after a failure. None: reachable whenever the store is.
   */
  probe?(): Promise<void>;
  /** Bytes stored, for store health (may be an estimate). */
  usage(): Promise<number>;
  close(): Promise<void>;
}
