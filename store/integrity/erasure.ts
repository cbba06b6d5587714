import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Tombstone } from '../records';

/**
 * Erasure of one session (GDPR Art. 17 where no duty to retain applies) leaves a tombstone: what was erased, when
 * and why, signed with the checkpoint key and chained as the last record of the session's chain. The store deletes
 * every other record of the session through the chain (delete links), deletes shared bodies no other record names
 * and destroys the session's key, so backups of its ciphertext stay unreadable. Record ids hold no personal data
 * (record-ids.ts), so the chain itself needs no redaction and still verifies.
 */

export type { Tombstone };

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

const DAY_MS = 86_400_000;

/** Whether a session that ended at `endedAt` on `channel` is past its retention period (policy in days). */
export function retentionEnded(policy: Partial<Record<string, number>>, channel: string, endedAt: number, now: number): boolean {
  const days = policy[channel];
  return days !== undefined && endedAt < now - days * DAY_MS;
}

/** The oldest start time a session can have and still be within every channel's retention, or undefined. */
export function retentionCutoff(policy: Partial<Record<string, number>>, now: number): number | undefined {
  const periods = Object.values(policy).filter((d): d is number => typeof d === 'number');
  return periods.length === 0 ? undefined : now - Math.min(...periods) * DAY_MS;
}
