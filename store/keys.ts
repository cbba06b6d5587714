/**
 * LevelDB key layout. Keys are UTF-8 strings, values are bytes.
 *
 *   b!<sha256hex>                                    blob: 1 codec byte + payload (see blob-codec.ts)
 *   s!<sessionId>                                    session record, JSON
 *   t!<startedAt>\0<sessionId>                       empty; sessions by start time (reverse scan = newest first)
 *   e!<sessionId>\0<firstEventAt>\0<pageId>\0<seq>   event batch: 1 codec byte + (deflated) JSON
 *   q!<sessionId>\0<pageId>\0<seq>                   empty; marks a stored batch so a resend is ignored
 *   u!<url>\0<capturedAt>\0<captureId>               capture record, JSON (every capture, any session)
 *   x!<sessionId>\0<url>\0<capturedAt>\0<captureId>  capture record, JSON (captures that carry a sessionId)
 *   w!<sessionId>\0<at>\0<socketId>\0<seq>           WebSocket message, JSON (a session's network log)
 *   p!<sessionId>\0<sha256hex>                      personal body of a session (documents, JSON, request bodies): sealed blob
 *   h!<chain>\0<index>                              hash-chain link: hash ‖ value digest ‖ op ‖ record key (integrity/link.ts)
 *   H!<chain>                                        hash-chain head: count ‖ hash
 *   K!<seq>                                          signed checkpoint over all chain heads, JSON (integrity/checkpoint.ts)
 *   z!<sessionId>                                    signed tombstone of an erased session, JSON (chained; integrity/erasure.ts)
 *   L!s\0<sessionId> | L!c\0<customerId>              legal hold on a session or a customer, JSON {reason, at}
 *
 * With a keyring (integrity/keyring.ts) s!, e!, w! and p! values are AES-256-GCM sealed
 * with the session's key; b! holds only bodies shared across sessions (static assets).
 *
 * Chains (store/integrity/): <chain> is the session id for the session's s!, e!, x!, w! and p!
 * records, and the empty string for the store-wide chain of captures without a session.
 * Each link is written in the same LevelDB batch as the record it covers. u! copies of
 * session captures are not chained: verify checks them against their chained x! twin.
 *
 * Times (and seq) are epoch ms zero-padded to 15 digits, so byte order is time order.
 * \0 never occurs in a URL, session id or page id (validate.ts rejects it) and sorts
 * below every other character, so all keys of URL `/a` lie in [`u!/a\0`, `u!/a\x01`)
 * and never mix with `/a?b` or `/ab`. Hence each capture lookup is one range scan:
 *   in this session at or before T  x!<sid>\0<url>\0 ≤ key < x!<sid>\0<url>\0<T>\x01, reverse, limit 1
 *   any session at or before T      u!<url>\0 ≤ key < u!<url>\0<T>\x01, reverse, limit 1
 *   earliest after T                u!<url>\0<T>\x01 ≤ key < u!<url>\x01, limit 1
 * Capture records are stored under both indexes (a few hundred bytes each) so a hit
 * needs no second read.
 */

const SEP = '\u0000';
const END = '\u0001';
const TIME_DIGITS = 15;
export const MAX_TIME = 10 ** TIME_DIGITS - 1;

/** Epoch ms (or a sequence number) as 15 zero-padded digits; clamps out-of-range values. */
export function padTime(ms: number): string {
  const n = Math.min(MAX_TIME, Math.max(0, Math.floor(ms)));
  return String(n).padStart(TIME_DIGITS, '0');
}

/** A half-open key range [gte, lt). */
export interface KeyRange {
  gte: string;
  lt: string;
}

export const blobKey = (digest: string): string => `b!${digest}`;

export const sessionKey = (id: string): string => `s!${id}`;

export const sessionByStartKey = (startedAt: number, id: string): string => `t!${padTime(startedAt)}${SEP}${id}`;

/** Sessions that started strictly before `before` (all sessions when omitted). */
export function sessionsByStartRange(before?: number): KeyRange {
  return { gte: 't!', lt: before === undefined ? 't"' : `t!${padTime(Math.ceil(before))}` };
}

export function sessionIdFromStartKey(key: string): string {
  return key.slice(key.indexOf(SEP) + 1);
}

export const eventChunkKey = (sessionId: string, firstEventAt: number, pageId: string, seq: number): string =>
  `e!${sessionId}${SEP}${padTime(firstEventAt)}${SEP}${pageId}${SEP}${padTime(seq)}`;

export function eventChunkRange(sessionId: string): KeyRange {
  return { gte: `e!${sessionId}${SEP}`, lt: `e!${sessionId}${END}` };
}

export const batchMarkerKey = (sessionId: string, pageId: string, seq: number): string =>
  `q!${sessionId}${SEP}${pageId}${SEP}${padTime(seq)}`;

const urlPrefix = (url: string): string => `u!${url}${SEP}`;
const sessionUrlPrefix = (sessionId: string, url: string): string => `x!${sessionId}${SEP}${url}${SEP}`;

export const captureByUrlKey = (url: string, capturedAt: number, captureId: string): string =>
  `${urlPrefix(url)}${padTime(capturedAt)}${SEP}${captureId}`;

export const captureBySessionKey = (sessionId: string, url: string, capturedAt: number, captureId: string): string =>
  `${sessionUrlPrefix(sessionId, url)}${padTime(capturedAt)}${SEP}${captureId}`;

/** Captures of `url` (any session) at or before `at`; scan in reverse for the nearest. */
export function capturesOfUrlUpTo(url: string, at: number): KeyRange {
  const prefix = urlPrefix(url);
  return { gte: prefix, lt: `${prefix}${padTime(at)}${END}` };
}

/** Captures of `url` (any session) strictly after `at`; scan forward for the earliest. */
export function capturesOfUrlAfter(url: string, at: number): KeyRange {
  const prefix = urlPrefix(url);
  return { gte: `${prefix}${padTime(at)}${END}`, lt: `u!${url}${END}` };
}

/** Every capture of `url` from any session, oldest first. */
export function capturesOfUrl(url: string): KeyRange {
  return { gte: urlPrefix(url), lt: `u!${url}${END}` };
}

/** Captures of `url` in one session at or before `at`; scan in reverse for the nearest. */
export function sessionCapturesOfUrlUpTo(sessionId: string, url: string, at: number): KeyRange {
  const prefix = sessionUrlPrefix(sessionId, url);
  return { gte: prefix, lt: `${prefix}${padTime(at)}${END}` };
}

/** Every capture indexed under a session (ordered by URL, then time). */
export function sessionCaptures(sessionId: string): KeyRange {
  return { gte: `x!${sessionId}${SEP}`, lt: `x!${sessionId}${END}` };
}

/** WebSocket message of a session's network log (chained with the session). */
export const webSocketMessageKey = (sessionId: string, at: number, socketId: string, seq: number): string =>
  `w!${sessionId}${SEP}${padTime(at)}${SEP}${socketId}${SEP}${padTime(seq)}`;

export function webSocketMessageRange(sessionId: string): KeyRange {
  return { gte: `w!${sessionId}${SEP}`, lt: `w!${sessionId}${END}` };
}

/** The chain of captures that carry no session id (session ids are never empty). */
export const STORE_CHAIN = '';

export const chainLinkKey = (chain: string, index: number): string => `h!${chain}${SEP}${padTime(index)}`;

/** All links of one chain, in order. */
export function chainLinkRange(chain: string): KeyRange {
  return { gte: `h!${chain}${SEP}`, lt: `h!${chain}${END}` };
}

/** Every link of every chain (grouped by chain, in order). */
export const ALL_CHAIN_LINKS: KeyRange = { gte: 'h!', lt: 'h"' };

/** (chain, index) of a link key. */
export function parseChainLinkKey(key: string): { chain: string; index: number } {
  const sep = key.lastIndexOf(SEP);
  return { chain: key.slice(2, sep), index: Number(key.slice(sep + 1)) };
}

export const chainHeadKey = (chain: string): string => `H!${chain}`;

export const ALL_CHAIN_HEADS: KeyRange = { gte: 'H!', lt: 'H"' };

export const chainIdFromHeadKey = (key: string): string => key.slice(2);

export const checkpointKey = (seq: number): string => `K!${padTime(seq)}`;

export const ALL_CHECKPOINTS: KeyRange = { gte: 'K!', lt: 'K"' };

/** The chain a record key belongs to, or undefined for keys that are not chained (blobs, indexes, u!). */
export function chainOfRecordKey(key: string): string | undefined {
  const kind = key.slice(0, 2);
  if (kind === 's!' || kind === 'z!') return key.slice(2);
  if (kind === 'e!' || kind === 'x!' || kind === 'w!' || kind === 'p!') return key.slice(2, key.indexOf(SEP, 2));
  return undefined;
}

/** Ranges of every chained record kind (for finding records that no chain covers). */
export const CHAINED_RECORD_RANGES: readonly KeyRange[] = [
  { gte: 's!', lt: 's"' }, { gte: 'e!', lt: 'e"' }, { gte: 'x!', lt: 'x"' }, { gte: 'w!', lt: 'w"' }, { gte: 'p!', lt: 'p"' }, { gte: 'z!', lt: 'z"' },
];

export const ALL_CAPTURES_BY_URL: KeyRange = { gte: 'u!', lt: 'u"' };

/** (url, capturedAt, captureId) of a u! key. */
export function parseCaptureByUrlKey(key: string): { url: string; capturedAt: number; captureId: string } {
  const idSep = key.lastIndexOf(SEP);
  const timeSep = key.lastIndexOf(SEP, idSep - 1);
  return { url: key.slice(2, timeSep), capturedAt: Number(key.slice(timeSep + 1, idSep)), captureId: key.slice(idSep + 1) };
}

export const tombstoneKey = (sessionId: string): string => `z!${sessionId}`;

export const sessionHoldKey = (sessionId: string): string => `L!s${SEP}${sessionId}`;
export const customerHoldKey = (customerId: string): string => `L!c${SEP}${customerId}`;

/** Stored-batch markers of one session. */
export function batchMarkerRange(sessionId: string): KeyRange {
  return { gte: `q!${sessionId}${SEP}`, lt: `q!${sessionId}${END}` };
}

/** A session's personal body (sealed with its key; never shared, never in the u! index). */
export const personalBodyKey = (sessionId: string, digest: string): string => `p!${sessionId}${SEP}${digest}`;

export function personalBodyRange(sessionId: string): KeyRange {
  return { gte: `p!${sessionId}${SEP}`, lt: `p!${sessionId}${END}` };
}
