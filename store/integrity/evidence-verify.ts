import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CODEC_RAW, decodeJson } from '../blob-codec';
import { parseRecordId } from '../record-ids';
import type { CapturedResource } from '../records';
import { openCheckpoint } from './checkpoint';
import { EVIDENCE_FORMAT } from './evidence';
import { CODEC_AES_GCM, openSealed } from './keyring';
import type { EvidenceProof } from './evidence';
import { GENESIS, OP_PUT, chainLeafData, decodeLink, linkHash, sha256 } from './link';
import { leafHash, verifyInclusion } from './merkle';
import { parseVerifierKey } from './signing-key';
import type { VerifierKey } from './signing-key';

/**
 * Checks an evidence file on its own: the export signature over the whole file,
 * the checkpoint signature, the session's chain, the inclusion of its head in
 * the signed tree, every record and body against the chain. Needs nothing but
 * the file (and, to pin the signer, the auditor's copy of the verifier key).
 */

export const SIGNATURE_TRAILER = '\n<!-- verbatim-signature ';
export const EVIDENCE_SCRIPT_ID = 'verbatim-evidence';
/** The replay's fidelity report (the replay library writes it; here it is only read back and summarised). */
export const FIDELITY_SCRIPT_ID = 'verbatim-fidelity';
/** The site version of each page load (replay-viewer/analytics/versions/ writes it; read back here). */
export const VERSIONS_SCRIPT_ID = 'verbatim-versions';

/** One page load's site version as the file holds it: trustworthy only when the file's signature holds. */
export interface EvidencePageVersion { url: string; at: number; version: string }

/** What `verify --file` tells of the replay's fidelity: trustworthy only when the file's signature holds. */
export interface EvidenceFidelity {
  score: number;
  full: boolean;
  counts: Record<string, number>;
}

export interface EvidenceProblem { code: string; message: string; key?: string; index?: number }
export interface EvidenceReport {
  ok: boolean;
  problems: EvidenceProblem[];
  notes: string[];
  sessionId?: string;
  keyId?: string;
  fidelity?: EvidenceFidelity;
  /** Files exported before site versions existed have none. */
  versions?: EvidencePageVersion[];
}

/** The trailer that signs an evidence file: Ed25519 over every byte before it. */
export function signatureBlock(body: string, key: { name: string; keyId: Buffer; privateKey: KeyObject }): string {
  const signature = sign(null, Buffer.from(body, 'utf8'), key.privateKey);
  return `${SIGNATURE_TRAILER}${key.name} ${Buffer.concat([key.keyId, signature]).toString('base64')} -->\n`;
}

export async function verifyEvidenceFile(path: string, pinnedKey?: string): Promise<EvidenceReport> {
  return verifyEvidenceHtml(await readFile(path, 'utf8'), pinnedKey);
}

export function verifyEvidenceHtml(html: string, pinnedKey?: string): EvidenceReport {
  const problems: EvidenceProblem[] = [];
  const notes: string[] = [];
  const fail = (code: string, message: string, where: Omit<EvidenceProblem, 'code' | 'message'> = {}): EvidenceReport => {
    problems.push({ code, message, ...where });
    return { ok: false, problems, notes };
  };
  const at = html.lastIndexOf(SIGNATURE_TRAILER);
  if (at < 0) return fail('FILE_UNSIGNED', 'the file has no export signature');
  const proof = extractProof(html);
  if (!proof) return fail('FILE_MALFORMED', 'the file holds no readable evidence block');
  let key: VerifierKey;
  try {
    key = parseVerifierKey(pinnedKey ?? proof.verifierKey);
  } catch (err) {
    return fail('KEY_INVALID', `verifier key: ${(err as Error).message}`);
  }
  if (pinnedKey && parseVerifierKey(proof.verifierKey).keyId.toString('hex') !== key.keyId.toString('hex')) {
    problems.push({ code: 'KEY_MISMATCH', message: 'the file names a different signing key than the one given' });
  }
  const [name, sigB64] = html.slice(at + SIGNATURE_TRAILER.length).replace(/\s*-->\s*$/, '').split(' ');
  const raw = Buffer.from(sigB64 ?? '', 'base64');
  if (name !== key.name || raw.length !== 68 || !raw.subarray(0, 4).equals(key.keyId)
    || !verify(null, Buffer.from(html.slice(0, at), 'utf8'), key.publicKey, raw.subarray(4))) {
    problems.push({ code: 'FILE_ALTERED', message: 'the export signature does not match the file: it was altered after export' });
  }
  checkProof(proof, key, problems, notes);
  const fidelity = extractFidelity(html.slice(0, at));
  const versions = extractVersions(html.slice(0, at));
  return {
    ok: problems.length === 0, problems, notes, sessionId: proof.sessionId, keyId: key.keyId.toString('hex'),
    ...(fidelity ? { fidelity } : {}), ...(versions ? { versions } : {}),
  };
}

function opens(sealed: Buffer, recordKey: string, key: Buffer): boolean {
  try {
    openSealed(key, recordKey, sealed);
    return true;
  } catch {
    return false;
  }
}

/** Files exported before fidelity existed have none: undefined, not an error. */
function extractFidelity(html: string): EvidenceFidelity | undefined {
  const f = jsonBlock(html, FIDELITY_SCRIPT_ID) as Partial<EvidenceFidelity> | undefined;
  if (typeof f?.score !== 'number' || typeof f.full !== 'boolean' || typeof f.counts !== 'object' || !f.counts) return undefined;
  return { score: f.score, full: f.full, counts: f.counts };
}

/** The file's page loads and their site versions; undefined when the file has none (or an unreadable block). */
function extractVersions(html: string): EvidencePageVersion[] | undefined {
  const v = jsonBlock(html, VERSIONS_SCRIPT_ID) as { pages?: unknown } | undefined;
  if (!Array.isArray(v?.pages)) return undefined;
  return v.pages.filter((p): p is EvidencePageVersion => typeof p?.url === 'string' && typeof p.at === 'number' && typeof p.version === 'string')
    .map((p) => ({ url: p.url, at: p.at, version: p.version }));
}

function extractProof(html: string): EvidenceProof | undefined {
  const proof = jsonBlock(html, EVIDENCE_SCRIPT_ID) as EvidenceProof | undefined;
  return proof?.format === EVIDENCE_FORMAT ? proof : undefined;
}

/** The JSON of the file's `<script type="application/json" id=…>` block; undefined when absent or unreadable. */
function jsonBlock(html: string, id: string): unknown {
  const open = `<script type="application/json" id="${id}">`;
  const start = html.indexOf(open);
  const end = start < 0 ? -1 : html.indexOf('</script>', start);
  if (end < 0) return undefined;
  try {
    return JSON.parse(html.slice(start + open.length, end)) as unknown;
  } catch {
    return undefined;
  }
}

function checkProof(proof: EvidenceProof, key: VerifierKey, problems: EvidenceProblem[], notes: string[]): void {
  const sid = proof.sessionId;
  let body;
  try {
    body = openCheckpoint(proof.checkpoint.note, key);
  } catch (err) {
    problems.push({ code: 'CHECKPOINT_INVALID', message: `checkpoint #${proof.checkpoint.seq}: ${(err as Error).message}` });
    return;
  }
  // The chain.
  let prev: Buffer = GENESIS;
  const hashes: Buffer[] = [];
  const latest = new Map<string, { index: number; op: number; digest: Buffer }>();
  proof.links.forEach((b64, index) => {
    const link = decodeLink(Buffer.from(b64, 'base64'));
    if (!link) {
      problems.push({ code: 'LINK_INVALID', message: `chain link #${index} is unreadable`, index });
      return;
    }
    if (!linkHash(prev, link.op, link.id, link.valueDigest).equals(link.hash)) {
      problems.push({ code: 'CHAIN_BROKEN', message: `chain link #${index} does not follow from link #${index - 1}`, key: link.id, index });
    }
    prev = link.hash;
    hashes.push(link.hash);
    latest.set(link.id, { index, op: link.op, digest: link.valueDigest });
  });
  // The chain head as sealed, inside the signed tree.
  const count = proof.checkpoint.count;
  const sealedHead = hashes[count - 1];
  const proofHashes = proof.checkpoint.proof.map((p) => Buffer.from(p, 'base64'));
  if (!sealedHead || !verifyInclusion(leafHash(chainLeafData(sid, count, sealedHead)), proof.checkpoint.leafIndex, body.size, proofHashes, body.root)) {
    problems.push({ code: 'NOT_IN_CHECKPOINT', message: `the session's chain (${count} records) is not included in signed checkpoint #${proof.checkpoint.seq}` });
  }
  if (hashes.length > count) notes.push(`${hashes.length - count} records after checkpoint #${proof.checkpoint.seq} are chained but not sealed`);
  // Records and bodies.
  const seen = new Set<string>();
  for (const { id: k, value } of proof.records) {
    seen.add(k);
    const bytes = Buffer.from(value, 'base64');
    const entry = latest.get(k);
    if (!entry || entry.op !== OP_PUT) {
      problems.push({ code: 'RECORD_UNCHAINED', message: `record ${k} is in no chain link`, key: k });
    } else if (!sha256(bytes).equals(entry.digest)) {
      problems.push({ code: 'RECORD_ALTERED', message: `record ${k} differs from chain link #${entry.index}`, key: k, index: entry.index });
    } else if (bytes[0] === CODEC_AES_GCM) {
      if (!proof.sessionKey) notes.push(`record ${k} is encrypted and the file carries no session key`);
      else if (!opens(bytes, k, Buffer.from(proof.sessionKey, 'base64'))) {
        problems.push({ code: 'RECORD_UNREADABLE', message: `record ${k} does not decrypt with the session key in the file`, key: k });
      }
    } else if (parseRecordId(k)?.kind === 'capture' && parseRecordId(k)?.sessionId === sid && bytes[0] === CODEC_RAW) {
      const capture = decodeJson<CapturedResource>(bytes.subarray(1));
      for (const digest of [capture.body?.digest, capture.requestBody?.digest]) {
        if (!digest) continue;
        const blob = proof.blobs[digest];
        if (blob === undefined) {
          problems.push({ code: 'BLOB_MISSING', message: `body ${digest} of a capture is not in the file`, key: k });
        } else if (createHash('sha256').update(Buffer.from(blob, 'base64')).digest('hex') !== digest) {
          problems.push({ code: 'BLOB_ALTERED', message: `body ${digest} does not hash to its digest`, key: k });
        }
      }
    }
  }
  for (const [k, entry] of latest) {
    if (entry.op === OP_PUT && !seen.has(k)) {
      problems.push({ code: 'RECORD_MISSING', message: `record ${k} (chain link #${entry.index}) is not in the file`, key: k, index: entry.index });
    }
  }
}
