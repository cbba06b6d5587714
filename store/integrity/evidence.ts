import { Level } from 'level';
import { decodeJson, decodeValue } from '../blob-codec';
import { VerbatimError } from '../errors';
import {
  ALL_CHECKPOINTS, blobKey, chainLinkRange, eventChunkRange, personalBodyKey, personalBodyRange, sessionCaptures, sessionKey,
  webSocketMessageRange,
} from '../keys';
import type { CapturedBody, CapturedResource } from '../records';
import type { StoredCheckpoint } from './checkpoint';
import { openSealed } from './keyring';
import { chainLeafData, sortChainIds } from './link';
import { inclusionProof, leafHash } from './merkle';
import { formatVerifierKey } from './signing-key';
import type { SigningKey } from './signing-key';

/**
 * The proof half of an evidence file: a session's stored records exactly as
 * LevelDB holds them, its whole hash chain, the bodies its captures name, the
 * newest signed checkpoint and the RFC 6962 inclusion proof of the session's
 * chain head in it, and the verifier key. With these, anyone can check the
 * session against the signed checkpoint without the store.
 */

export const EVIDENCE_FORMAT = 'verbatim-evidence/1';

export interface EvidenceProof {
  format: typeof EVIDENCE_FORMAT;
  sessionId: string;
  exportedAt: number;
  /** Note verifier key (`name+keyid+base64`) of the store that sealed the checkpoint. */
  verifierKey: string;
  /** The session's current records (s!, e!, x!, w!, p!) as stored: key and base64 value. */
  records: { key: string; value: string }[];
  /** Every link of the session's chain, in order, base64 of the stored link value. */
  links: string[];
  checkpoint: { seq: number; note: string; leafIndex: number; count: number; proof: string[] };
  /** Capture bodies by digest, base64 of the original bytes. */
  blobs: Record<string, string>;
  /** The session's AES-256-GCM key (base64) when its data is encrypted at rest, so the records can be opened. */
  sessionKey?: string;
}

/** Reads the proof of one session from a closed store; the chain must be sealed up to its head. */
export async function collectEvidence(storeDir: string, sessionId: string, key: SigningKey, dataKey?: Uint8Array): Promise<EvidenceProof> {
  const db = new Level<string, Uint8Array>(storeDir, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: false });
  await db.open();
  try {
    return await readEvidence(db, sessionId, key, dataKey);
  } finally {
    await db.close();
  }
}

/** The same through an open handle (LevelStore.evidence: the store of a running Verbatim). */
export async function readEvidence(db: Level<string, Uint8Array>, sessionId: string, key: SigningKey, dataKey?: Uint8Array): Promise<EvidenceProof> {
  const b64 = (v: Uint8Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const session = await db.get(sessionKey(sessionId));
  if (session === undefined) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const records = [{ key: sessionKey(sessionId), value: b64(session) }];
  const blobs: Record<string, string> = {};
  for (const range of [eventChunkRange(sessionId), sessionCaptures(sessionId), webSocketMessageRange(sessionId), personalBodyRange(sessionId)]) {
    for await (const [k, v] of db.iterator(range)) {
      records.push({ key: k, value: b64(v) });
      if (!k.startsWith('x!')) continue;
      const capture = decodeJson<CapturedResource>(v);
      for (const body of [capture.body, capture.requestBody]) {
        if (!body || body.digest in blobs) continue;
        const stored = await readBody(db, sessionId, body, dataKey);
        if (stored !== undefined) blobs[body.digest] = b64(stored);
      }
    }
  }
  const links = (await db.values(chainLinkRange(sessionId)).all()).map(b64);
  // The tree of the newest checkpoint: fold every checkpoint's changed heads.
  const leaves = new Map<string, { count: number; hash: string }>();
  let latest: StoredCheckpoint | undefined;
  for (const value of await db.values(ALL_CHECKPOINTS).all()) {
    latest = decodeJson<StoredCheckpoint>(value);
    for (const [chain, count, hash] of latest.changed) leaves.set(chain, { count, hash });
  }
  const mine = leaves.get(sessionId);
  if (!latest || !mine) throw new VerbatimError('BAD_REQUEST', 'the session is not under a signed checkpoint yet', { sessionId });
  const ids = sortChainIds(leaves.keys());
  const hashes = ids.map((id) => leafHash(chainLeafData(id, leaves.get(id)!.count, Buffer.from(leaves.get(id)!.hash, 'base64'))));
  const leafIndex = ids.indexOf(sessionId);
  return {
    format: EVIDENCE_FORMAT,
    sessionId,
    exportedAt: Date.now(),
    verifierKey: formatVerifierKey(key.name, key.keyId, key.publicRaw),
    records,
    links,
    checkpoint: {
      seq: latest.seq, note: latest.note, leafIndex, count: mine.count,
      proof: inclusionProof(hashes, leafIndex).map((h) => h.toString('base64')),
    },
    blobs,
    ...(dataKey ? { sessionKey: b64(dataKey) } : {}),
  };
}

/** A capture's body in plain bytes: the session's sealed copy (opened with its key) or the shared blob. */
async function readBody(db: Level<string, Uint8Array>, sessionId: string, body: CapturedBody, dataKey: Uint8Array | undefined): Promise<Uint8Array | undefined> {
  if (body.sealed) {
    const key = personalBodyKey(sessionId, body.digest);
    const sealed = await db.get(key);
    if (sealed === undefined || !dataKey) return undefined;
    return decodeValue(openSealed(dataKey, key, sealed));
  }
  const stored = await db.get(blobKey(body.digest));
  return stored === undefined ? undefined : decodeValue(stored);
}
