/**
 * The store's change feed: one entry per thing that landed, in commit order, written in the same atomic commit as
 * the records it names (so a crash never leaves a change without its record or a record without its change).
 * Entries carry ids only, never content: a derived index (search, analytics) reads what it needs through the store
 * API, which also means it can never read a session that has been erased since. On `session.erased` a derived index
 * must drop everything it holds about that session.
 *
 * Dependency-free: derived indexes import these types without importing a backend.
 */

export type ChangeEvent =
  | { type: 'session.created'; sessionId: string }
  | { type: 'events.appended'; sessionId: string; pageId: string; batchSeq: number; count: number }
  | { type: 'capture.stored'; sessionId?: string; captureId: string }
  | { type: 'websocket.stored'; sessionId: string; count: number }
  | { type: 'customer.linked'; sessionId: string }
  | { type: 'note.stored'; sessionId: string; noteId: string }
  | { type: 'note.deleted'; sessionId: string; noteId: string }
  | { type: 'session.erased'; sessionId: string }
  | { type: 'hold.set'; sessionId?: string; customerId?: string }
  | { type: 'hold.released'; sessionId?: string; customerId?: string };

export type ChangeType = ChangeEvent['type'];

/** A change as it is stored and delivered: its place in the feed and when it landed. */
export type Change = ChangeEvent & {
  /** 1, 2, 3, … in commit order; a reader resumes from the last seq it processed. */
  seq: number;
  /** Epoch ms when the commit was made. */
  at: number;
};

export type ChangeListener = (change: Change) => void;
