/**
 * The audit chain's state in plain words for the audit page: what verify() found and what it means for the trail.
 */
import type { AuditLog } from './audit-log';

export interface ChainStatus {
  ok: boolean;
  entries: number;
  brokenAt?: number;
  /** One line: "Intact: all 1,204 entries link up." / "Broken at entry 17 of 1,204." */
  summary: string;
  /** What it means and what to do, for someone who has not read the code. */
  meaning: string;
}

export async function chainStatus(log: AuditLog): Promise<ChainStatus> {
  return explainChain(await log.verify());
}

export function explainChain(v: { ok: boolean; entries: number; brokenAt?: number }): ChainStatus {
  const n = v.entries.toLocaleString('en-GB');
  if (v.ok) {
    return {
      ...v,
      summary: v.entries ? `Intact: all ${n} entries link up.` : 'Intact: the trail is empty.',
      meaning: 'Each entry carries a fingerprint of the one before it. All fingerprints match, so no entry has been removed, '
        + 'reordered or edited since it was written (entries appended at the end are expected).',
    };
  }
  const at = v.brokenAt ?? 0;
  return {
    ...v,
    summary: `Broken at entry ${at.toLocaleString('en-GB')} of ${n}.`,
    meaning: `Entry ${at.toLocaleString('en-GB')} does not match the fingerprint of the entry before it (or is not a readable entry). `
      + `Entries 1 to ${(at - 1).toLocaleString('en-GB')} are as written; from entry ${at.toLocaleString('en-GB')} on the trail cannot be trusted: `
      + 'an entry was edited, removed or inserted there, or the file was damaged (a crash while writing leaves one unreadable last line). '
      + 'Keep a copy of the file as it is and compare it with a backup or an earlier export.',
  };
}
