/**
 * Backend-level access to everything a store holds, in the backend's own terms (backend.ts): for copying a store
 * from one backend to another byte for byte (store/copy/copy-store.ts). Going through the store API instead would
 * re-chain and re-sign every record, and the old checkpoints would prove nothing about the copy.
 */
import type { BackendWrite, StoredRecord } from './backend';

export interface BackendPort {
  /** Every record, in the backend's id order (the same on each run over an unchanged store). */
  records(): AsyncIterable<StoredRecord>;
  chainIds(): Promise<string[]>;
  links(chain: string): AsyncIterable<{ index: number; value: Uint8Array }>;
  /** A chain's head as stored. */
  head(chain: string): Promise<Uint8Array | undefined>;
  checkpoints(): Promise<{ seq: number; value: Uint8Array }[]>;
  feedHead(): Promise<number>;
  readFeed(afterSeq: number, limit: number): Promise<Uint8Array[]>;
  /** A shared body as stored (codec byte + payload). */
  blob(digest: string): Promise<Uint8Array | undefined>;
  getMeta(key: string): Promise<Uint8Array | undefined>;
  /** Every setting and hold. */
  meta(): AsyncIterable<{ key: string; value: Uint8Array }>;
  /**
   * Applies one write as is, outside the commit queue: only for a store nothing else writes to (a copy target).
   * Atomic as every backend write is (blobs first where they cannot share the transaction).
   */
  commit(write: BackendWrite): Promise<void>;
}
