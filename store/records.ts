/**
 * Record types shared by every part of Verbatim (recorder, proxy, store, viewer,
 * extension). Dependency-free on purpose: the browser bundles import this file too.
 * rrweb events are kept untouched inside `EventBatch.events`.
 */

/** Lower-case hex SHA-256 of a blob's stored bytes (64 characters). */
export type Digest = string;

/** How a session reached us. */
export type Channel = 'proxy' | 'gateway' | 'kiosk';

export interface Viewport {
  width: number;
  height: number;
}

/** Where a page visit came from: the referrer and any UTM campaign parameters. */
export interface TrafficSource {
  /** 'campaign' (UTM parameters), 'referral' (another site), 'internal' (same site) or 'direct'. */
  kind: 'campaign' | 'referral' | 'internal' | 'direct';
  referrerHost?: string;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
}

/** What a page was shown on and where it came from, captured once per page (recorder + ingest point). */
export interface PageContext {
  url: string;
  referrer?: string;
  source?: TrafficSource;
  userAgent?: string;
  browser?: string;
  os?: string;
  deviceType?: string;
  viewport?: Viewport;
  screen?: Viewport;
  devicePixelRatio?: number;
  language?: string;
  languages?: string[];
  timeZone?: string;
  /** Added by the ingest point (trusted X-Forwarded-For in gateway mode), never by the page. */
  clientIp?: string;
}

/** One document load (top-level page) inside a session. */
export interface PageView {
  id: string;
  url: string;
  startedAt: number;
  title?: string;
  context?: PageContext;
}

export interface Session {
  id: string;
  channel: Channel;
  /** Epoch ms of the first thing recorded. */
  startedAt: number;
  /** Epoch ms of the last event recorded (equals startedAt until events arrive). */
  endedAt: number;
  userAgent?: string;
  browser?: string;
  os?: string;
  deviceType?: string;
  viewport?: Viewport;
  clientIp?: string;
  terminalId?: string;
  pages: PageView[];
  eventCount: number;
}

/** What a session starts with; the store fills in the rest. */
export type SessionInit = Omit<Session, 'pages' | 'eventCount' | 'endedAt'> & { endedAt?: number };

/** An rrweb `eventWithTime`, untouched. */
export interface RecordedEvent {
  type: number;
  timestamp: number;
  data?: unknown;
  [key: string]: unknown;
}

/** A chunk of events from one page of one session, in the order the recorder sent them. */
export interface EventBatch {
  sessionId: string;
  page: { id: string; url: string; title?: string };
  /** Per-page sequence number; (sessionId, page.id, seq) identifies a batch, so a resend is idempotent. */
  seq: number;
  viewport?: Viewport;
  events: RecordedEvent[];
  receivedAt: number;
  /** The page's context, sent with its first upload. */
  context?: PageContext;
}

export interface CapturedBody {
  digest: Digest;
  /** Bytes stored (as sent on the wire, still content-encoded). */
  size: number;
  /** Content-Encoding of the stored bytes ('' for identity). */
  encoding: string;
  /** True when the body exceeded the capture cap and only the first `size` bytes were kept. */
  truncated: boolean;
  /** True when the masking policy changed the bytes before they were stored (then encoding is ''). */
  masked?: boolean;
  /**
   * True when the body is the session's own (see personal-data.ts): stored sealed with
   * the session's key under p!, read with getBlob(digest, sessionId), never shared with
   * another session's replay. Set by the store.
   */
  sealed?: boolean;
}

/** One HTTP exchange as it passed through a capture point. */
export interface CapturedResource {
  id: string;
  sessionId?: string;
  method: string;
  url: string;
  status: number;
  statusText?: string;
  /** Response headers as [name, value] pairs, in wire order, names lower-cased. */
  headers: [string, string][];
  /** Sec-Fetch-Dest (document, style, image, font, script, empty, ...) when known. */
  destination?: string;
  /** Epoch ms when the request reached the capture point. */
  startedAt: number;
  /** Milliseconds to response headers and to the last body byte. */
  timing: { headersMs: number; totalMs: number };
  body: CapturedBody | null;
  /** The request body (form and JSON posts only), masked before it was stored. */
  requestBody?: CapturedBody & { contentType: string };
  /** Set when the upstream answered 304 and the body came from an earlier capture. */
  revalidatedFrom?: string;
  /**
   * 'session': only this session's replay may use the capture (a kiosk upload whose bytes no trusted capture
   * confirms). Default: a capture with a shared (non-personal) body is found by other sessions' replays too.
   */
  scope?: 'session' | 'shared';
  /** Set when the stored body is not the whole, readable response, and why (then `body.truncated` is true or the body is null). */
  incomplete?: CaptureIncomplete;
}

/**
 * Why a capture's body is not the whole response: the upstream cut it off or went
 * silent mid-body (the browser got the same cut), the browser went away before the
 * end, or the bytes do not decode by their Content-Encoding (kept as received, with
 * the decoder's message in `detail`).
 */
export interface CaptureIncomplete {
  reason: 'upstream-aborted' | 'upstream-timeout' | 'client-closed' | 'undecodable';
  detail?: string;
}

/** One WebSocket message (or close) as it passed through a capture point: the session's network log. */
export interface WebSocketMessage {
  sessionId: string;
  /** One id per WebSocket connection. */
  socketId: string;
  /** Per-connection sequence number; (sessionId, socketId, seq) identifies a message. */
  seq: number;
  /** ws:// or wss:// URL of the connection. */
  url: string;
  /** 'sent' = browser to site. */
  direction: 'sent' | 'received';
  /** Epoch ms when the message's last frame passed. */
  at: number;
  kind: 'text' | 'binary' | 'close';
  /** Payload bytes on the wire (after reassembly, before any cap). */
  size: number;
  /** Text as is, binary as base64; at most the capture cap. */
  data: string;
  encoding: 'utf8' | 'base64';
  truncated: boolean;
  /** True when the masking policy changed the text before it was stored. */
  masked?: boolean;
}

/**
 * A note someone left on a session at a moment of it (the viewer's notes). The store keeps it as the session's own
 * data: sealed with the session's key, erased with the session, and not edited or deleted while the session or its
 * customer is under legal hold. (sessionId, id) identifies it; writing it again replaces it (an edit).
 */
export interface SessionNote {
  sessionId: string;
  id: string;
  /** Epoch ms of the moment the note is about. */
  at: number;
  /** The page (PageView.id) and tab track shown at that moment, when known. */
  pageId?: string;
  track?: number;
  /** Who wrote it (a viewer user name). */
  author: string;
  text: string;
  createdAt: number;
  /** Set by an edit. */
  updatedAt?: number;
}

export interface SessionListQuery {
  /** Maximum number of sessions (newest first). */
  limit?: number;
  /** Only sessions that started strictly before this epoch ms (for paging by time). */
  before?: number;
  /**
   * Only sessions after this one in newest-first order: (startedAt, id) strictly below the cursor's. Unlike `before`,
   * it never skips sessions that started in the same millisecond.
   */
  after?: SessionCursor;
}

/** A position in the newest-first session order. */
export interface SessionCursor {
  startedAt: number;
  id: string;
}

/** Which customer a session belongs to, as an identity rule found it. */
export interface CustomerLink {
  sessionId: string;
  customerId: string;
  /** Which rule found it, e.g. "form:username". */
  source: string;
  at: number;
}

/** What a legal hold applies to. */
export type HoldTarget = { sessionId: string } | { customerId: string };

export interface LegalHold {
  reason: string;
  at: number;
}

/** Retention period per channel, in days; a channel without one is kept indefinitely. */
export type RetentionPolicy = Partial<Record<Channel, number>>;

/** The signed record an erasure leaves behind (chained into the erased session's chain). */
export interface Tombstone {
  sessionId: string;
  erasedAt: number;
  reason: string;
  /** Blind index (HMAC) of the customer the session belonged to: proves whose data was erased without keeping the id. */
  customerKey?: string;
  /** Session records deleted (metadata, event chunks, captures, WebSocket messages, customer link, notes). */
  records: number;
  /** Bodies deleted: the session's personal ones and shared ones no other capture names. */
  bodies: number;
  /** Ed25519 by the checkpoint key over this JSON without `sig`. */
  sig: string;
}

export interface CaptureQuery {
  url: string;
  /** Epoch ms: prefer the capture at or before this moment. */
  at: number;
  /** Prefer captures made in this session. */
  sessionId?: string;
}
