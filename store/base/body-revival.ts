/**
 * A write naming or uploading shared bodies, past another writer's deletion of them (several writers over one
 * backend: postgres/body-deletions.ts). The backend refuses a write that names a body it deleted or is deleting
 * (BODY_DELETED, with each digest's state). Deleting: the deletion finishes in moments, so the write waits and tries
 * again. Deleted: the body may have been stored again since (by this write's own upload, which is put again on each
 * attempt, or by another writer); `recheck` says which are there now. Checked after the backend reported them
 * deleted, so a body found is one stored after its deletion, and the next attempt tells the backend to trust it
 * (`revive`). One still missing is BLOB_MISSING: the capture cannot name it.
 */
import { VerbatimError, isVerbatimError } from '../errors';

export interface RevivalOptions {
  /** Which of the digests are stored now (an upload that puts its bytes on each attempt: all of them). */
  recheck: (digests: string[]) => Promise<boolean[]>;
  /** Pause while a deletion is under way (default 100 ms), and how many attempts in all (default 30). */
  waitMs?: number;
  attempts?: number;
}

export async function pastDeletedBodies(attempt: (revive: string[]) => Promise<void>, o: RevivalOptions): Promise<void> {
  const revive = new Set<string>();
  const attempts = o.attempts ?? 30;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt([...revive]);
    } catch (err) {
      if (!isVerbatimError(err, 'BODY_DELETED')) throw err;
      const states = (err.context.states ?? {}) as Record<string, 'deleting' | 'deleted'>;
      const digests = Object.keys(states);
      if (n >= attempts) throw missing(digests, err);
      if (digests.some((d) => states[d] === 'deleting')) {
        await new Promise((r) => setTimeout(r, o.waitMs ?? 100));
        continue;
      }
      const present = await o.recheck(digests);
      const gone = digests.filter((_, i) => !present[i]);
      if (gone.length) throw missing(gone, err);
      for (const d of digests) revive.add(d);
    }
  }
}

function missing(digests: string[], cause: unknown): VerbatimError {
  return new VerbatimError('BLOB_MISSING', 'a body this capture names was deleted by an erasure on another instance; store it again', {
    digests: digests.map((d) => d.slice(0, 12)),
  }, { cause });
}
