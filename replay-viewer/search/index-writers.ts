/**
 * Who writes a search index that several instances share (`--search postgres://…` given to every instance over one
 * store). Its follower, trust job and dwell job run on one instance at a time: the leader of the job `search-index`
 * (store/leadership.ts, an advisory lock over PostgreSQL). Two writers would each append the same hits and move the
 * one cursor back and forth. Every instance still answers searches from the shared index. When the leader dies its
 * lock goes with its connection, and the next instance to ask (within `checkMs`) resumes from the index's cursor.
 * An index of an instance's own (SQLite in its data directory) needs no election: pass no leadership.
 */
import type { Leadership } from '../../store/leadership';

/** Something that writes the index: started when this instance takes the lead, stopped when it loses it. */
export interface IndexWriter {
  start(): void;
  stop(): Promise<void>;
}

export interface IndexWriters {
  /** Whether this instance's writers run now. */
  readonly writing: boolean;
  /** Stops asking for the lead, stops the writers and gives the lead up. */
  stop(): Promise<void>;
}

export const SEARCH_INDEX_JOB = 'search-index';

export function startIndexWriters(writers: IndexWriter[], leadership: Leadership | undefined, o: { checkMs?: number; log?: (m: string) => void } = {}): IndexWriters {
  let writing = false;
  let stopped = false;
  const startAll = () => {
    writing = true;
    for (const w of writers) w.start();
  };
  const stopAll = async () => {
    writing = false;
    for (const w of [...writers].reverse()) await w.stop();
  };
  if (!leadership) {
    startAll();
    return { get writing() { return writing; }, stop: stopAll };
  }
  let busy: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    const leads = await leadership.lead();
    if (stopped) return;
    if (leads && !writing) {
      startAll();
      o.log?.('search index: this instance writes the shared index (it leads "search-index")');
    } else if (!leads && writing) {
      await stopAll();
      o.log?.('search index: another instance writes the shared index now; this one only reads it');
    }
  };
  const fire = () => {
    busy ??= check().catch((err: unknown) => o.log?.(`search index: leadership check failed (${(err as { code?: string }).code ?? 'ERROR'})`)).finally(() => { busy = undefined; });
  };
  const timer = setInterval(fire, o.checkMs ?? 2_000);
  timer.unref();
  fire();
  return {
    get writing() { return writing; },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      if (writing) await stopAll();
      await leadership.release();
    },
  };
}
