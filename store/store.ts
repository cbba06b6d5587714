import type {
  CaptureQuery, CapturedResource, Digest, EventBatch, Session, SessionInit, SessionListQuery, WebSocketMessage,
} from './records';

/**
 * The storage contract. The LevelDB store implements it today; a distributed
 * backend must pass the same contract suite (store/test/contract.ts).
 * Implementations know nothing of proxies, browsers or rrweb.
 */
export interface VerbatimStore {
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Stores bytes under their SHA-256; idempotent. `compress` is a hint (skip for already-compressed media).
   * With `sessionId` (a personal body, see personal-data.ts) the bytes belong to that session alone:
   * sealed with its key when the store has a keyring, readable only through getBlob(digest, sessionId).
   */
  putBlob(bytes: Uint8Array, options?: { compress?: boolean; sessionId?: string }): Promise<Digest>;
  /** A body by digest: the session's own (personal) copy first when `sessionId` is given, else the shared one. */
  getBlob(digest: Digest, sessionId?: string): Promise<Uint8Array | undefined>;
  /** Whether a body is stored: the session's own copy (with `sessionId`) or the shared one. */
  hasBlob(digest: Digest, sessionId?: string): Promise<boolean>;

  /**
   * Indexes a capture. Throws BLOB_MISSING if its body digest is not stored. A capture whose
   * body is personal (stored with its sessionId) is marked `sealed` and found only within its session.
   */
  putCapture(capture: CapturedResource): Promise<void>;
  /**
   * "This URL as captured in this session at or before `at`, else the capture nearest
   * at or before `at` from any session, else the earliest after it."
   */
  findCapture(query: CaptureQuery): Promise<CapturedResource | undefined>;
  /** The newest capture of a URL from any session. */
  latestCapture(url: string): Promise<CapturedResource | undefined>;
  listCaptures(sessionId: string): Promise<CapturedResource[]>;

  /** Creates a session; throws BAD_REQUEST if the id exists. */
  createSession(init: SessionInit): Promise<Session>;
  getSession(id: string): Promise<Session | undefined>;
  /** Newest first by startedAt. */
  listSessions(query?: SessionListQuery): Promise<Session[]>;

  /**
   * Appends a batch and updates the session (endedAt, pages, viewport, eventCount)
   * atomically. Throws SESSION_UNKNOWN for an unknown session. A batch with the same
   * (sessionId, page.id, seq) as a stored one is ignored, so retries are safe.
   */
  appendEvents(batch: EventBatch): Promise<Session>;
  /** All batches of a session ordered by their first event's timestamp. */
  readEvents(sessionId: string): Promise<EventBatch[]>;

  /** Adds WebSocket messages to their sessions' network logs; a message with a stored (sessionId, socketId, seq) is replaced. */
  putWebSocketMessages(messages: WebSocketMessage[]): Promise<void>;
  /** A session's WebSocket messages ordered by time (then connection and seq). */
  listWebSocketMessages(sessionId: string): Promise<WebSocketMessage[]>;

  /** Approximate bytes on disk, for benchmarks. */
  diskUsage(): Promise<number>;
}
