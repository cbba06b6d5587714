import { decodeJson, decodeValue } from '../blob-codec';
import type { AuditReader } from '../base/audit-reader';
import { VerbatimError } from '../errors';
import { RecordId } from '../record-ids';
import type { CapturedBody, CapturedResource } from '../records';
import type { StoredCheckpoint } from './checkpoint';
import { openSealed } from './keyring';
import { chainLeafData, sortChainIds } from './link';
import { inclusionProof, leafHash } from './merkle';
import { formatVerifierKey } from './signing-key';
import type { SigningKey } from './signing-key';

/**
 * The proof half of an evidence file: a session's stored records exactly as the store holds them (by logical id),
 * its whole hash chain, the bodies its captures name, the newest signed checkpoint and the RFC 6962 inclusion proof
 * of the session's chain head in it, and the verifier key. With these, anyone can check the session against the
 * signed checkpoint without the store. Read through the backend-neutral AuditReader.
 */

export const EVIDENCE_FORMAT = 'verbatim-evidence/2';

export interface EvidenceProof {
  format: typeof EVIDENCE_FORMAT;
  sessionId: string;
  exportedAt: number;
  /** Note verifier key (`name+keyid+base64`) of the store that sealed the checkpoint. */
  verifierKey: string;
  /** The session's current records as stored: logical id and base64 value. */
  records: { id: string; value: string }[];
  /** Every link of the session's chain, in order, base64 of the stored link value. */
  links: string[];
  checkpoint: { seq: number; note: string; leafIndex: number; count: number; proof: string[] };
  /** Capture bodies by digest, base64 of the original bytes. */
  blobs: Record<string, string>;
  /** The session's AES-256-GCM key (base64) when its data is encrypted at rest, so the records can be opened. */
  sessionKey?: string;
}

export async function readEvidence(audit: AuditReader, sessionId: string, key: SigningKey, dataKey?: Uint8Array): Promise<EvidenceProof> {
  const b64 = (v: Uint8Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const stored = await audit.sessionRecords(sessionId);
  if (!stored.some((r) => r.kind === 'session')) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const records = stored.map((r) => ({ id: r.id, value: b64(r.value) }));
  const blobs: Record<string, string> = {};
  for (const record of stored) {
    if (record.kind !== 'capture') continue;
    const capture = decodeJson<CapturedResource>(await decodeValue(record.value));
    for (const body of [capture.body, capture.requestBody]) {
      if (!body || body.digest in blobs) continue;
      const bytes = await readBody(audit, sessionId, body, dataKey);
      if (bytes !== undefined) blobs[body.digest] = b64(bytes);
    }
  }
  const links: string[] = [];
  for await (const { raw } of audit.links(sessionId)) links.push(b64(raw));
  // The tree of the newest checkpoint: fold every checkpoint's changed heads.
  const leaves = new Map<string, { count: number; hash: string }>();
  let latest: StoredCheckpoint | undefined;
  for (const { value } of await audit.checkpoints()) {
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
async function readBody(audit: AuditReader, sessionId: string, body: CapturedBody, dataKey: Uint8Array | undefined): Promise<Uint8Array | undefined> {
  if (body.sealed) {
    const id = RecordId.body(sessionId, body.digest);
    const record = await audit.record(id);
    if (!record || !dataKey) return undefined;
    return decodeValue(openSealed(dataKey, id, record.value));
  }
  const stored = await audit.blob(body.digest);
  return stored === undefined ? undefined : decodeValue(stored);
}
