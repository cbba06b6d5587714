/**
 * Result sets are signed like checkpoints: a C2SP signed note (store/integrity/signed-note.ts) with the store's
 * Ed25519 key, naming the SHA-256 of the result's canonical JSON (RFC 8785, the `canonicalize` package). Anyone with
 * the store's verifier key can check a downloaded result file on its own (`verbatim verify --file result.json`).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { formatVerifierKey, openNote, parseVerifierKey, signNote, type SigningKey } from '../../store/integrity/index';
import { RESULT_FORMAT, type ReviewResult, type SignedReviewResult } from './types';

export const NOTE_ORIGIN = 'verbatim.local/review-result';

export function resultDigest(result: ReviewResult): string {
  return createHash('sha256').update(canonicalize(result) ?? '', 'utf8').digest('hex');
}

export function signResult(result: ReviewResult, key: SigningKey): SignedReviewResult {
  const note = signNote(`${NOTE_ORIGIN}\n${result.runId}\nsha256 ${resultDigest(result)}\n`, key);
  return { result, signature: { note, verifierKey: formatVerifierKey(key.name, key.keyId, key.publicRaw) } };
}

export interface ResultCheck { ok: boolean; reason?: string; keyId?: string; runId?: string }

/**
 * Checks a kept or downloaded result file: the note's signature (by the file's verifier key, or `pinnedKey`: the
 * auditor's own copy), then that the note names this run and this exact result.
 */
export function verifyResult(text: string, pinnedKey?: string): ResultCheck {
  let file: SignedReviewResult;
  try {
    file = JSON.parse(text) as SignedReviewResult;
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = file?.result;
  if (!result || result.format !== RESULT_FORMAT || typeof file.signature?.note !== 'string') return { ok: false, reason: 'not a review result file' };
  let body: string;
  let keyId: string;
  try {
    const key = parseVerifierKey(pinnedKey ?? file.signature.verifierKey);
    keyId = key.keyId.toString('hex');
    body = openNote(file.signature.note, key);
  } catch (err) {
    return { ok: false, reason: (err as Error).message, runId: result.runId };
  }
  const [origin, runId, digest] = body.split('\n');
  if (origin !== NOTE_ORIGIN) return { ok: false, reason: 'the signature is not over a review result', keyId, runId: result.runId };
  if (runId !== result.runId) return { ok: false, reason: 'the signature is for another run', keyId, runId: result.runId };
  if (digest !== `sha256 ${resultDigest(result)}`) return { ok: false, reason: 'the result set differs from what was signed', keyId, runId: result.runId };
  return { ok: true, keyId, runId: result.runId };
}
