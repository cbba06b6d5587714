/** Messages between the follower's side (worker-applier.ts) and the search worker thread (search-worker.ts). */
import type { AppliedPage, ReadChange, ReadSession } from './read-page';

export interface SearchWorkerData {
  /** The index's folder (<data>/search) and the folder of its key (<data>/keys). */
  indexDir: string;
  /** `postgres://…`: the index is in PostgreSQL (then indexDir is unused). */
  searchUrl?: string;
  keysDir: string;
  maxHitsPerWrite?: number;
  retryMs?: number[];
}

/** A page is its changes, posted one by one as they are read, then `apply` with its sessions. */
export type WorkerRequest =
  | { type: 'change'; id: number; change: ReadChange }
  | { type: 'apply'; id: number; sessions: Record<string, ReadSession | null> }
  | { type: 'forget' }
  | { type: 'close' };

export type WorkerReply =
  | { ready: true }
  /** The worker could not open the index (its error code). */
  | { failed: string }
  | { log: string }
  | { id: number; applied: AppliedPage }
  | { id: number; error: string };
