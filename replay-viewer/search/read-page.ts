/**
 * A page of the change feed with the records it names already read from the store: what the follower (which owns
 * the store) hands to a PageApplier (which extracts and writes, possibly on a worker thread). Plain data only, so it
 * crosses a thread boundary by structured clone.
 */
import type { CapturedResource, EventBatch, Session, WebSocketMessage } from '../../store/records';

export type ReadChange = { seq: number; type: string; sessionId?: string } & (
  | { kind: 'touch' }
  /** `warmUp`: the page's earlier batches, sent when the follower believes the extractor has not met the page. */
  | { kind: 'events'; pageId: string; batch: EventBatch; warmUp?: EventBatch[] }
  | { kind: 'capture'; capture: CapturedResource }
  | { kind: 'websocket'; messages: WebSocketMessage[] }
  | { kind: 'link' }
  | { kind: 'erase' }
  /** Nothing to do (another change type, or its record is gone). */
  | { kind: 'none' }
  /** The store could not read its record: logged by seq and code, then skipped. */
  | { kind: 'unreadable'; code: string });

/** A touched session as the store has it, or null when the store no longer does (erased later in the feed). */
export interface ReadSession { session: Session; customerLinked: boolean }

export interface ReadPage {
  changes: ReadChange[];
  sessions: Record<string, ReadSession | null>;
}

/** What applying a page did, and what it cost (the bench's profile). */
export interface AppliedPage {
  /** The feed seq reached (a page ends early past the hit budget: later changes are read again next time). */
  cursor: number;
  /** Sessions whose extractor was dropped (evicted or erased): the follower warms them up when they come back. */
  dropped: string[];
  hits: number;
  extractMs: number;
  /** The longest single extraction (one change), ms. */
  maxExtractMs: number;
  writeMs: number;
  threadId: number;
}
