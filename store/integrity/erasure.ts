import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Level } from 'level';
import { decodeJson } from '../blob-codec';
import {
  ALL_CAPTURES_BY_URL, batchMarkerRange, blobKey, captureByUrlKey, chainLinkRange, eventChunkRange, sessionByStartKey,
  personalBodyRange, sessionCaptures, sessionKey, tombstoneKey, webSocketMessageRange,
} from '../keys';
import type { CapturedResource, Session } from '../records';
import type { WriteOp } from '../write-queue';
import { decodeLink, redactLink } from './link';

/**
 * Erasure of one session (GDPR Art. 17 where no duty to retain applies): every
 * record of the session is deleted through its chain (delete links), bodies no
 * other session uses are deleted, and a tombstone signed with the checkpoint key
 * joins the chain, saying what was erased, when and why. Afterwards the chain's
 * record keys (URLs can be personal data) are redacted to their digests, which
 * the chain hashes cover, so `verify` still passes and reports the erasure.
 */

export interface Tombstone {
  sessionId: string;
  erasedAt: number;
  reason: string;
  customerId?: string;
  /** Session records deleted (metadata, event chunks, captures, WebSocket messages). */
  records: number;
  /** Bodies deleted: the session's personal ones and shared ones no other session used. */
  bodies: number;
  /** Ed25519 by the checkpoint key over this JSON without `sig`. */
  sig: string;
}

type Db = Level<string, Uint8Array>;

export function signTombstone(body: Omit<Tombstone, 'sig'>, key: KeyObject): Tombstone {
  return { ...body, sig: sign(null, Buffer.from(JSON.stringify(body)), key).toString('base64') };
}

export function tombstoneSignatureValid(tombstone: Tombstone, key: KeyObject): boolean {
  const { sig, ...body } = tombstone;
  try {
    return verify(null, Buffer.from(JSON.stringify(body)), key, Buffer.from(sig ?? '', 'base64'));
  } catch {
    return false;
  }
}

/** The write that erases a session (tagged for its chain), and the tombstone it leaves. */
export async function planErasure(db: Db, session: Session, reason: string, key: KeyObject, customerId?: string, now = Date.now()): Promise<{ ops: WriteOp[]; tombstone: Tombstone }> {
  const sid = session.id;
  const ops: WriteOp[] = [
    { type: 'del', key: sessionKey(sid), chain: sid },
    { type: 'del', key: sessionByStartKey(session.startedAt, sid) },
  ];
  let records = 1;
  for (const range of [eventChunkRange(sid), webSocketMessageRange(sid)]) {
    for await (const k of db.keys(range)) {
      ops.push({ type: 'del', key: k, chain: sid });
      records += 1;
    }
  }
  // The session's personal bodies are its alone (and sealed with the key destroyed next).
  let personal = 0;
  for await (const k of db.keys(personalBodyRange(sid))) {
    ops.push({ type: 'del', key: k, chain: sid });
    personal += 1;
  }
  for await (const k of db.keys(batchMarkerRange(sid))) ops.push({ type: 'del', key: k });
  const digests = new Set<string>();
  for await (const [k, v] of db.iterator(sessionCaptures(sid))) {
    const capture = decodeJson<CapturedResource>(v);
    ops.push({ type: 'del', key: k, chain: sid }, { type: 'del', key: captureByUrlKey(capture.url, capture.startedAt, capture.id) });
    records += 1;
    if (capture.body && !capture.body.sealed) digests.add(capture.body.digest);
    if (capture.requestBody && !capture.requestBody.sealed) digests.add(capture.requestBody.digest);
  }
  // Bodies shared with any other capture (another session's, or a session-less one) stay.
  if (digests.size > 0) {
    for await (const v of db.values(ALL_CAPTURES_BY_URL)) {
      const other = decodeJson<CapturedResource>(v);
      if (other.sessionId === sid) continue;
      if (other.body) digests.delete(other.body.digest);
      if (other.requestBody) digests.delete(other.requestBody.digest);
      if (digests.size === 0) break;
    }
  }
  for (const digest of digests) ops.push({ type: 'del', key: blobKey(digest) });
  const tombstone = signTombstone({
    sessionId: sid, erasedAt: now, reason, ...(customerId !== undefined ? { customerId } : {}), records, bodies: digests.size + personal,
  }, key);
  ops.push({ type: 'put', key: tombstoneKey(sid), value: Buffer.from(JSON.stringify(tombstone)), chain: sid });
  return { ops, tombstone };
}

/** Replaces the record key in every link of the session's chain (but the tombstone's) by its digest. */
export async function planRedaction(db: Db, sessionId: string): Promise<WriteOp[]> {
  const ops: WriteOp[] = [];
  const keep = tombstoneKey(sessionId);
  for await (const [k, v] of db.iterator(chainLinkRange(sessionId))) {
    const link = decodeLink(v);
    if (link?.key !== undefined && link.key !== keep) ops.push({ type: 'put', key: k, value: redactLink(link) });
  }
  return ops;
}
