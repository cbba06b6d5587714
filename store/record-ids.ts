/**
 * Logical record ids: what a record is, independent of any backend's keys. Hash chains commit to these ids (not to
 * a LevelDB key or a SQL primary key), so a record moved to another backend still verifies. Ids hold no personal
 * data (no URLs, no customer ids), so the chain keeps them in clear after an erasure.
 *
 *   session/<sid>                      the session record
 *   events/<sid>/<pageId>/<seq>        one batch of rrweb events of one page (seq zero-padded to 15 digits)
 *   capture/<sid>/<captureId>          one HTTP exchange (sid empty for captures without a session)
 *   ws/<sid>/<socketId>/<seq>          one WebSocket message
 *   body/<sid>/<digest>                a personal body, sealed with the session's key
 *   customer/<sid>                     which customer the session belongs to
 *   note/<sid>/<noteId>                a note a viewer user left on the session (edited in place, deletable)
 *   tombstone/<sid>                    the signed record an erasure leaves
 *
 * Parts are percent-encoded where they could hold `/` or `%`, so every id parses back unambiguously.
 */

export type RecordKind = 'session' | 'events' | 'capture' | 'ws' | 'body' | 'customer' | 'note' | 'tombstone';

export const RECORD_KINDS: readonly RecordKind[] = ['session', 'events', 'capture', 'ws', 'body', 'customer', 'note', 'tombstone'];

/** The chain of captures that carry no session id (session ids are never empty). */
export const STORE_CHAIN = '';

const part = (s: string): string => s.replace(/%/g, '%25').replace(/\//g, '%2F');
/** Sequence numbers zero-padded, so ids of one page or socket sort in seq order. */
const pad = (n: number): string => String(Math.max(0, Math.floor(n))).padStart(15, '0');
const unpart = (s: string): string => s.replace(/%2F/g, '/').replace(/%25/g, '%');

export const RecordId = {
  session: (sid: string): string => `session/${part(sid)}`,
  events: (sid: string, pageId: string, seq: number): string => `events/${part(sid)}/${part(pageId)}/${pad(seq)}`,
  capture: (sid: string | undefined, captureId: string): string => `capture/${part(sid ?? STORE_CHAIN)}/${part(captureId)}`,
  ws: (sid: string, socketId: string, seq: number): string => `ws/${part(sid)}/${part(socketId)}/${pad(seq)}`,
  body: (sid: string, digest: string): string => `body/${part(sid)}/${digest}`,
  customer: (sid: string): string => `customer/${part(sid)}`,
  note: (sid: string, noteId: string): string => `note/${part(sid)}/${part(noteId)}`,
  tombstone: (sid: string): string => `tombstone/${part(sid)}`,
} as const;

/** Kind and owning session (the chain) of a logical id; undefined for a malformed id. */
export function parseRecordId(id: string): { kind: RecordKind; sessionId: string; rest: string[] } | undefined {
  const parts = id.split('/');
  const kind = parts[0] as RecordKind;
  if (!RECORD_KINDS.includes(kind) || parts.length < 2) return undefined;
  return { kind, sessionId: unpart(parts[1]!), rest: parts.slice(2).map(unpart) };
}
