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
