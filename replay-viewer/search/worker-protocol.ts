/** Messages between the follower's side (worker-applier.ts) and the search worker thread (search-worker.ts). */
import type { AppliedPage, ReadPage } from './read-page';

export interface SearchWorkerData {
  /** The index's folder (<data>/search) and the folder of its key (<data>/keys). */
  indexDir: string;
  keysDir: string;
  maxHitsPerWrite?: number;
  retryMs?: number[];
}

export type WorkerRequest =
  | { type: 'apply'; id: number; page: ReadPage }
  | { type: 'forget' }
  | { type: 'close' };

export type WorkerReply =
  | { ready: true }
  /** The worker could not open the index (its error code). */
  | { failed: string }
  | { log: string }
  | { id: number; applied: AppliedPage }
  | { id: number; error: string };
