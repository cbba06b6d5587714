import type { StoreCapabilities } from './capabilities';
import type { Leadership } from './leadership';
import type { SharedState } from './shared-state';
import type { Change, ChangeListener } from './change-feed';
import type {
  CaptureQuery, CapturedResource, CustomerLink, Digest, EventBatch, HoldTarget, LegalHold, RetentionPolicy, Session,
  SessionInit, SessionListQuery, SessionNote, Tombstone, WebSocketMessage,
} from './records';

/**
 * The storage contract. StoreBase (base/store-base.ts) implements it once over a small backend interface; the
 * LevelDB backend (level/) is the default and an in-memory backend (memory/) proves the interface is enough. Every
 * backend passes the capability-gated contract suite (store/test/contract/). Implementations know nothing of
 * proxies, browsers or rrweb.
 */
export interface VerbatimStore {
  /** What this store can do (capabilities.ts); operations it cannot do fail with UNSUPPORTED. */
  readonly supports: StoreCapabilities;
  /**
   * Who runs a periodic job (expiry, scheduled reviews) among the instances sharing this store (leadership.ts): the
   * same object for the same job name. A single-writer store's one instance always leads.
   */
  leadership?(job: string): Leadership;
  /** Documents and logs every instance sharing this store sees (shared-state.ts); where `supports.sharedState`. */
  sharedState?(): SharedState;

  open(): Promise<void>;
  close(): Promise<void>;
  /** 'open', or 'degraded' after a failed write until the backend is healthy again (writes then fail fast). */
  health(): StoreHealth;

  /**
   * Stores bytes under their SHA-256; idempotent. `compress` is a hint (skip for already-compressed media).
   * With `sessionId` (a personal body, see personal-data.ts) the bytes belong to that session alone:
   * sealed with its key when the store has a keyring, readable only through getBlob(digest, sessionId).
   */
  putBlob(bytes: Uint8Array, options?: BlobOptions): Promise<Digest>;
  /**
   * Stores a body already hashed and codec-encoded elsewhere (store/blob-codec.ts; the ingest pipeline does this on a
   * worker thread). Same semantics as putBlob; the digest must be the SHA-256 of the decoded bytes (verify rehashes).
   */
  putEncodedBlob(blob: EncodedBlob, options?: { sessionId?: string }): Promise<Digest>;
  /** A body by digest: the session's own (personal) copy first when `sessionId` is given, else the shared one. */
  getBlob(digest: Digest, sessionId?: string): Promise<Uint8Array | undefined>;
  /** Whether a body is stored: the session's own copy (with `sessionId`) or the shared one. */
  hasBlob(digest: Digest, sessionId?: string): Promise<boolean>;

  /**
   * Indexes a capture. Throws BLOB_MISSING if its body digest is not stored. A capture whose body is personal
   * (stored with its sessionId) is marked `sealed` and found only within its session, as is one with scope 'session'.
   */
  putCapture(capture: CapturedResource): Promise<void>;
  /**
   * "This URL as captured in this session at or before `at`, else this session's earliest after it, else the shared
   * capture nearest at or before `at` from any session, else the earliest shared one after it."
   */
  findCapture(query: CaptureQuery): Promise<CapturedResource | undefined>;
  /** The newest shared capture of a URL from any session. */
  latestCapture(url: string): Promise<CapturedResource | undefined>;
  /** A session's captures, oldest first. */
  listCaptures(sessionId: string): Promise<CapturedResource[]>;
  /** One capture by id (what a `capture.stored` change names). */
  getCapture(sessionId: string | undefined, captureId: string): Promise<CapturedResource | undefined>;

  /** Creates a session; throws BAD_REQUEST if the id exists (or existed and was erased). */
  createSession(init: SessionInit): Promise<Session>;
  getSession(id: string): Promise<Session | undefined>;
  /** Newest first by (startedAt, id). */
  listSessions(query?: SessionListQuery): Promise<Session[]>;

  /**
   * Appends a batch and updates the session (endedAt, pages, viewport, eventCount) atomically. Throws
   * SESSION_UNKNOWN for an unknown session. A batch with the same (sessionId, page.id, seq) as a stored one is
   * ignored, so retries are safe.
   */
  appendEvents(batch: EventBatch): Promise<Session>;
  /** All batches of a session ordered by their first event's timestamp. */
  readEvents(sessionId: string): Promise<EventBatch[]>;
  /** One batch (what an `events.appended` change names). */
  getEventBatch(sessionId: string, pageId: string, seq: number): Promise<EventBatch | undefined>;

  /** Adds WebSocket messages to their sessions' network logs; a message with a stored (sessionId, socketId, seq) is replaced. */
  putWebSocketMessages(messages: WebSocketMessage[]): Promise<void>;
  /** A session's WebSocket messages ordered by time (then connection and seq). */
  listWebSocketMessages(sessionId: string): Promise<WebSocketMessage[]>;

  /** Links a session to a customer; the first link wins. Returns false when the session already had one. */
  linkCustomer(link: CustomerLink): Promise<boolean>;
  customerOf(sessionId: string): Promise<string | undefined>;
  /** A customer's sessions (ids), any order. */
  sessionsOfCustomer(customerId: string): Promise<string[]>;

  /**
   * Stores a note on a session, replacing the note with the same (sessionId, id): an edit. SESSION_UNKNOWN for an
   * unknown or erased session; LEGAL_HOLD when it would replace a note of a held session (or customer).
   */
  putNote(note: SessionNote): Promise<void>;
  getNote(sessionId: string, noteId: string): Promise<SessionNote | undefined>;
  /** A session's notes by (at, id). */
  listNotes(sessionId: string): Promise<SessionNote[]>;
  /** Deletes a note (false when there is none); LEGAL_HOLD while the session or its customer is held. */
  deleteNote(sessionId: string, noteId: string): Promise<boolean>;

  setHold(target: HoldTarget, reason: string, now?: number): Promise<void>;
  releaseHold(target: HoldTarget): Promise<void>;
  getHold(target: HoldTarget): Promise<LegalHold | undefined>;
  /**
   * Deletes every record of the session and the shared bodies no other capture names, destroys its key, and chains
   * a signed tombstone; LEGAL_HOLD when the session or its customer is held. Idempotent (returns the tombstone).
   */
  eraseSession(sessionId: string, request: { reason: string }): Promise<Tombstone>;
  getTombstone(sessionId: string): Promise<Tombstone | undefined>;
  /** Erases sessions whose channel's retention period has passed, unless held. */
  expire(policy: RetentionPolicy, options?: { now?: number; onProgress?: Progress }): Promise<{ erased: string[]; held: string[] }>;

  /** Signs a checkpoint over every chain head now; undefined when nothing changed since the last one (unless `force`). */
  seal(force?: boolean): Promise<SealSummary | undefined>;

  /** Changes after `afterSeq` (0 = from the start), oldest first, at most `limit`. */
  readChanges(afterSeq: number, limit?: number): Promise<Change[]>;
  /**
   * Called for each change this instance wrote, once it has landed, in seq order (with `multiWriter`, other
   * instances' changes are in readChanges only: poll it). Returns the unsubscribe function.
   */
  subscribe(listener: ChangeListener): () => void;

  /** Approximate bytes on disk. */
  diskUsage(): Promise<number>;
}

export interface EncodedBlob {
  digest: Digest;
  /** Codec byte + payload (raw or deflate-raw). */
  encoded: Uint8Array;
}

export interface BlobOptions {
  compress?: boolean;
  /** The body is this session's own (personal): sealed with its key, never shared. */
  sessionId?: string;
}

export type StoreHealth = { state: 'open' | 'closed' | 'opening' | 'closing' } | { state: 'degraded'; since: number; reason: string };

export interface SealSummary {
  seq: number;
  size: number;
  records: number;
  hash: string;
  note: string;
}

export type Progress = (done: number, total: number) => void;
