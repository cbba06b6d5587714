/**
 * LevelDB key layout (store format verbatim-store/2). Keys are UTF-8 strings, values are bytes.
 *
 *   r!<id>                                   a record: attrs length (4 bytes) ‖ attrs JSON ‖ value (base/backend.ts)
 *   k!<sid>\0<kind>\0<at>\0<id>              a session's records by kind and time (events, WebSocket messages, personal
 *                                            bodies, captures without a session; singletons are read by id, a
 *                                            session's captures through x!)
 *   S!<startedAt>\0<sid>                     sessions by start time (reverse scan = newest first)
 *   x!<sid>\0<url>\0<at>\0<id>               a session's captures by URL
 *   u!<url>\0<at>\0<id>                      shared captures by URL (other sessions' replays use these)
 *   c!<customerKey>\0<sid>                   sessions by customer (blind index)
 *   g!<digest>\0<id>                         which records name a shared body (deleted when none does)
 *   b!<digest>                               shared body: codec byte + bytes
 *   h!<chain>\0<index>                       hash-chain link (integrity/link.ts)
 *   H!<chain>                                hash-chain head
 *   K!<seq>                                  signed checkpoint (integrity/checkpoint.ts)
 *   f!<seq>                                  change-feed entry (change-feed.ts)
 *   m!<key>                                  settings and holds (format, hold/s/<sid>, hold/c/<customerKey>)
 *
 * Index entries (k!, S!, x!, u!, c!, g!) have empty values: a lookup reads the id from the key, then the record.
 * Times, indexes and seqs are zero-padded to 15 digits, so byte order is time order. \0 never occurs in a URL or an
 * id (validate.ts) and sorts below every other character, so all keys of URL `/a` lie in [`u!/a\0`, `u!/a\x01`)
 * and never mix with `/a?b` or `/ab`. Each capture lookup is one range scan with limit 1:
 *   in this session at or before T  x!<sid>\0<url>\0 ≤ key < x!<sid>\0<url>\0<T>\x01, reverse
 *   any session at or before T      u!<url>\0 ≤ key < u!<url>\0<T>\x01, reverse
 *   earliest after T                u!<url>\0<T>\x01 ≤ key < u!<url>\x01 (x!<sid>\0<url>\0… for one session)
 */
import type { StoredRecord } from '../base/backend';

export const SEP = '\u0000';
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

const prefixRange = (prefix: string): KeyRange => ({ gte: prefix, lt: `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}` });

export const recordKey = (id: string): string => `r!${id}`;
export const ALL_RECORDS: KeyRange = { gte: 'r!', lt: 'r"' };

export const kindIndexRange = (sid: string, kind: string): KeyRange => prefixRange(`k!${sid}${SEP}${kind}${SEP}`);
export const sessionsRange: KeyRange = { gte: 'S!', lt: 'S"' };
export const sessionStartKey = (at: number, sid: string): string => `S!${padTime(at)}${SEP}${sid}`;

export const blobKey = (digest: string): string => `b!${digest}`;
export const blobRefsRange = (digest: string): KeyRange => prefixRange(`g!${digest}${SEP}`);
export const customerRange = (customerKey: string): KeyRange => prefixRange(`c!${customerKey}${SEP}`);

/** Captures of `url` (shared, or one session's) at or before `at`; scan in reverse for the nearest. */
export function capturesUpTo(url: string, at: number, sid?: string): KeyRange {
  const prefix = sid === undefined ? `u!${url}${SEP}` : `x!${sid}${SEP}${url}${SEP}`;
  return { gte: prefix, lt: `${prefix}${padTime(at)}${END}` };
}

/** Captures of `url` (shared, or one session's) strictly after `at`; scan forward for the earliest. */
export function capturesAfter(url: string, at: number, sid?: string): KeyRange {
  const prefix = sid === undefined ? `u!${url}${SEP}` : `x!${sid}${SEP}${url}${SEP}`;
  return { gte: `${prefix}${padTime(at)}${END}`, lt: `${prefix.slice(0, -1)}${END}` };
}

export const linkKey = (chain: string, index: number): string => `h!${chain}${SEP}${padTime(index)}`;
export const linkRange = (chain: string): KeyRange => prefixRange(`h!${chain}${SEP}`);
export const headKey = (chain: string): string => `H!${chain}`;
export const ALL_HEADS: KeyRange = { gte: 'H!', lt: 'H"' };
export const checkpointKey = (seq: number): string => `K!${padTime(seq)}`;
export const ALL_CHECKPOINTS: KeyRange = { gte: 'K!', lt: 'K"' };
export const feedKey = (seq: number): string => `f!${padTime(seq)}`;
export const ALL_FEED: KeyRange = { gte: 'f!', lt: 'f"' };
export const metaKey = (key: string): string => `m!${key}`;
export const ALL_META: KeyRange = { gte: 'm!', lt: 'm"' };

/** The id at the end of an index key. */
export const idOfIndexKey = (key: string): string => key.slice(key.lastIndexOf(SEP) + 1);

/** Kinds a session has at most one record of: found by their id, no kind index needed. */
const SINGLE_KINDS: ReadonlySet<string> = new Set(['session', 'customer', 'tombstone']);

/**
 * Whether a record of this kind and session is listed through the k! kind index. Singletons are read by id, and a
 * session's captures through their x! URL index (which holds every one of them): fewer keys on the capture path.
 */
export function hasKindIndex(kind: string, sessionId: string): boolean {
  return !SINGLE_KINDS.has(kind) && !(kind === 'capture' && sessionId !== '');
}

/** Every index entry a record has (all with empty values). */
export function indexKeysOf(r: Omit<StoredRecord, 'value'>): string[] {
  const keys = hasKindIndex(r.kind, r.sessionId) ? [`k!${r.sessionId}${SEP}${r.kind}${SEP}${padTime(r.at)}${SEP}${r.id}`] : [];
  if (r.kind === 'session') keys.push(sessionStartKey(r.at, r.sessionId));
  if (r.kind === 'capture' && r.url !== undefined) {
    if (r.sessionId !== '') keys.push(`x!${r.sessionId}${SEP}${r.url}${SEP}${padTime(r.at)}${SEP}${r.id}`);
    if (r.shared) keys.push(`u!${r.url}${SEP}${padTime(r.at)}${SEP}${r.id}`);
  }
  if (r.kind === 'customer' && r.customerKey !== undefined) keys.push(`c!${r.customerKey}${SEP}${r.sessionId}`);
  for (const digest of r.blobs ?? []) keys.push(`g!${digest}${SEP}${r.id}`);
  return keys;
}

/** A session's captures, every URL (their x! entries). */
export const sessionCapturesRange = (sid: string): KeyRange => prefixRange(`x!${sid}${SEP}`);

/** Index ranges verify walks to find entries that match no record. */
export const INDEX_RANGES: readonly KeyRange[] = [
  { gte: 'k!', lt: 'k"' }, sessionsRange, { gte: 'x!', lt: 'x"' }, { gte: 'u!', lt: 'u"' }, { gte: 'c!', lt: 'c"' }, { gte: 'g!', lt: 'g"' },
];

/** Keys only a format-1 store has (s! sessions, t! start index, e! event chunks). */
export const LEGACY_RANGES: readonly KeyRange[] = [{ gte: 's!', lt: 's"' }, { gte: 't!', lt: 't"' }, { gte: 'e!', lt: 'e"' }];

// ---------------------------------------------------------------- record values

/** r! value: attrs length (4 bytes, big-endian) ‖ attrs JSON ‖ value. */
export function encodeRecord(r: StoredRecord): Buffer {
  const { value, id: _id, ...attrs } = r;
  const head = Buffer.from(JSON.stringify(attrs), 'utf8');
  const out = Buffer.allocUnsafe(4 + head.length + value.byteLength);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  out.set(value, 4 + head.length);
  return out;
}

export function decodeRecord(id: string, stored: Uint8Array): StoredRecord | undefined {
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (b.length < 4) return undefined;
  const n = b.readUInt32BE(0);
  if (4 + n > b.length) return undefined;
  try {
    const attrs = JSON.parse(b.subarray(4, 4 + n).toString('utf8')) as Omit<StoredRecord, 'id' | 'value'>;
    return { id, ...attrs, value: b.subarray(4 + n) };
  } catch {
    return undefined;
  }
}
