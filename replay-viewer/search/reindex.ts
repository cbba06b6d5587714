/**
 * `verbatim reindex`: rebuilds the index from the store's change feed. Resumable: the first run empties the index and
 * marks it as rebuilding; a run that finds the mark (the last one was killed) carries on from the index's cursor,
 * which every page commits with its rows.
 */
import type { VerbatimStore } from '../../store/store';
import type { SearchFollower } from './follower';
import type { SearchIndex } from './search-index';

const MARK = 'reindex';

export interface ReindexResult { resumed: boolean; from: number; cursor: number; sessions: number; hits: number }

export async function reindex(store: VerbatimStore, index: SearchIndex, follower: SearchFollower,
  onProgress?: (done: number, total: number) => void): Promise<ReindexResult> {
  const resumed = (await index.getMeta(MARK)) === 'running';
  // Extractor state belongs to what was indexed before; a resumed run re-reads what it needs (follower.ts warmUp).
  follower.forgetExtractors();
  if (!resumed) {
    await index.reset();
    await index.setMeta(MARK, 'running');
  }
  const from = await index.cursor();
  const total = await lastSeq(store);
  onProgress?.(from, total);
  const cursor = await follower.catchUp((c) => onProgress?.(c, Math.max(total, c)));
  await index.setMeta(MARK, undefined);
  return { resumed, from, cursor, ...(await index.counts()) };
}

/** The feed's last seq: the store has no call for it, so a binary search over readChanges(x, 1). */
export async function lastSeq(store: VerbatimStore): Promise<number> {
  const beyond = async (x: number) => (await store.readChanges(x, 1)).length > 0;
  let hi = 1;
  while (await beyond(hi)) hi *= 2;
  let lo = 0;
  // Invariant: beyond(lo) (or lo = 0), !beyond(hi).
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await beyond(mid)) lo = mid;
    else hi = mid;
  }
  return lo === 0 && !(await beyond(0)) ? 0 : hi;
}
