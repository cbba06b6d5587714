/**
 * What a backend stores, in the backend's own terms. The base class (store-base.ts) does everything that must be
 * the same on every backend — validation, JSON and deflate encoding, sealing with the session's key, hash-chain
 * links, the change feed, caches — and hands the backend opaque values with the few attributes it must index.
 * A backend implements the underscored methods of StoreBase over these types and nothing else.
 */
import type { RecordKind } from '../record-ids';

/** One record as the backend keeps it. `value` is opaque (codec byte + payload, maybe sealed). */
export interface StoredRecord {
  /** Logical id (record-ids.ts); unique across the store. */
  id: string;
  kind: RecordKind;
  /** Owning session, which is also the hash chain the record joins ('' for captures without a session). */
  sessionId: string;
  /**
   * Order within (session, kind), epoch ms: session start, first event of a batch, capture start, message time.
   * Records of one session and kind are listed by (at, id).
   */
  at: number;
  value: Uint8Array;
  /** Captures: the (masked) URL, for "this URL at or before T" lookups. */
  url?: string;
  /** Captures: also found by other sessions' replays (the cross-session URL index). */
  shared?: boolean;
  /** Digests of shared blobs this record names: a blob is deleted only when no record names it. */
  blobs?: string[];
  /** Customer links: the blind index of the customer id (an HMAC), for "sessions of this customer". */
  customerKey?: string;
}

/** What a backend needs to delete a record and its index entries. */
export type RecordKey = Omit<StoredRecord, 'value'>;

export interface LedgerLink {
  chain: string;
  index: number;
  value: Uint8Array;
}

/**
 * One atomic write. Either all of it lands or none of it does; a backend that cannot write blobs in the same
 * transaction (object storage) writes `blobs` first and durably, then the rest atomically.
 */
export interface BackendWrite {
  /** Shared bodies to add (codec-encoded). Idempotent by digest. */
  blobs: { digest: string; value: Uint8Array }[];
  put: StoredRecord[];
  del: RecordKey[];
  /** Chain links extending the heads the base read; with `heads`, the new head of each chain touched. */
  links: LedgerLink[];
  heads: { chain: string; value: Uint8Array; previous?: Uint8Array }[];
  /** Shared bodies no record names any more. */
  deleteBlobs: string[];
  /**
   * Shared bodies this write names or uploads that a backend deleting bodies late (several writers) reported deleted
   * (BODY_DELETED), and that were found stored, or put again, after that report: the backend may trust them again.
   */
  reviveBlobs?: string[];
  /** Change-feed entries (change-feed.ts), in seq order. */
  feed: { seq: number; value: Uint8Array }[];
  /** A signed checkpoint (integrity/checkpoint.ts). */
  checkpoint?: { seq: number; value: Uint8Array };
  /** Small settings and holds, not chained: set (value) or delete (undefined). */
  meta: { key: string; value: Uint8Array | undefined }[];
  /**
   * Several writers (the commit queue sets it): a backend holding its write lock calls this with the stored heads
   * of the write's chains (undefined: no such chain) and the stored feed head when they are not those the write was
   * built on; it rebuilds `links`, `heads` and `feed` in place on top of them, so the write lands without a conflict.
   */
  rebase?: (heads: Map<string, Uint8Array | undefined>, feedHead: number) => void;
}

export function emptyWrite(): BackendWrite {
  return { blobs: [], put: [], del: [], links: [], heads: [], deleteBlobs: [], feed: [], meta: [] };
}

export function recordKeyOf(record: StoredRecord): RecordKey {
  const { value: _value, ...key } = record;
  return key;
}

/** "This URL at or before T" (reverse) or "earliest after T" lookups over captures. */
export interface CaptureLookup {
  url: string;
  at: number;
  /** Only this session's captures; otherwise only shared ones from any session. */
  sessionId?: string;
  direction: 'at-or-before' | 'after';
}

/** Newest-first session listing. */
export interface SessionPage {
  limit: number;
  /** Strictly below this (startedAt, id) in newest-first order. */
  below?: { at: number; id: string };
}
