/**
 * The offline queue: everything bound for the collector goes through IndexedDB
 * first, so a dead network, a killed service worker or a browser restart loses
 * nothing. Items leave strictly in order, and only after the collector said yes.
 * The queue is bounded: past maxBytes the oldest items are dropped (except
 * session openings, which are tiny and which later items need) and counted; an
 * item larger than the whole bound is dropped (counted) at once.
 */
export interface SessionItem {
  kind: 'session';
  sessionId: string;
  init: { id: string; startedAt: number; userAgent: string; viewport?: { width: number; height: number } };
}
export interface EventsItem {
  kind: 'events';
  sessionId: string;
  /** A RecorderUpload, JSON, token = session id. */
  body: string;
  eventCount: number;
}
export interface CaptureItem {
  kind: 'capture';
  sessionId: string;
  /** A CapturedResource without sessionId (the collector sets it). */
  capture: Record<string, unknown> & { body: { digest: string; size: number; encoding: string; truncated: boolean } | null };
  blob?: Uint8Array;
}
/** `at`: when it was queued (epoch ms), for the age of the oldest item. */
export type QueueItem = (SessionItem | EventsItem | CaptureItem) & { n?: number; bytes?: number; at?: number };

export interface QueueStats {
  droppedItems: number;
  droppedEvents: number;
  droppedBytes: number;
}

const DB_NAME = 'verbatim-queue';
const RECENT_SESSIONS = 50;
const ITEMS = 'items';
const META = 'meta';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export function sizeOf(item: QueueItem): number {
  if (item.kind === 'events') return item.body.length;
  if (item.kind === 'capture') return (item.blob?.byteLength ?? 0) + 512;
  return 256;
}

export class Queue {
  private db: Promise<IDBDatabase>;

  constructor(private maxBytes: number) {
    this.db = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore(ITEMS, { keyPath: 'n', autoIncrement: true });
        open.result.createObjectStore(META);
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  async push(item: QueueItem): Promise<void> {
    const db = await this.db;
    const tx = db.transaction([ITEMS, META], 'readwrite');
    const items = tx.objectStore(ITEMS);
    const meta = tx.objectStore(META);
    item.bytes = sizeOf(item);
    item.at ??= Date.now();
    let total = ((await req(meta.get('totalBytes'))) as number | undefined) ?? 0;
    const stats = ((await req(meta.get('stats'))) as QueueStats | undefined) ?? { droppedItems: 0, droppedEvents: 0, droppedBytes: 0 };
    if (item.kind !== 'session' && item.bytes > this.maxBytes) {
      // Larger than the whole bound: keeping it would break the bound, and dropping everything else would not help.
      stats.droppedItems++;
      stats.droppedBytes += item.bytes;
      if (item.kind === 'events') stats.droppedEvents += item.eventCount;
      meta.put(stats, 'stats');
      await done(tx);
      return;
    }
    if (total + item.bytes > this.maxBytes) {
      // Oldest first; session openings stay (later items of that session need them).
      let cursor = await req(items.openCursor());
      while (cursor && total + item.bytes > this.maxBytes) {
        const old = cursor.value as QueueItem;
        if (old.kind !== 'session') {
          total -= old.bytes ?? 0;
          stats.droppedItems++;
          stats.droppedBytes += old.bytes ?? 0;
          if (old.kind === 'events') stats.droppedEvents += old.eventCount;
          cursor.delete();
        }
        cursor.continue();
        cursor = await req(cursor.request as IDBRequest<IDBCursorWithValue | null>);
      }
      meta.put(stats, 'stats');
    }
    items.add(item);
    meta.put(total + item.bytes, 'totalBytes');
    await done(tx);
  }

  /** The oldest items, in order (not removed). */
  async peek(limit: number): Promise<QueueItem[]> {
    const db = await this.db;
    const tx = db.transaction(ITEMS, 'readonly');
    return req(tx.objectStore(ITEMS).getAll(undefined, limit)) as Promise<QueueItem[]>;
  }

  async remove(items: QueueItem[]): Promise<void> {
    const db = await this.db;
    const tx = db.transaction([ITEMS, META], 'readwrite');
    const meta = tx.objectStore(META);
    let total = ((await req(meta.get('totalBytes'))) as number | undefined) ?? 0;
    for (const item of items) {
      tx.objectStore(ITEMS).delete(item.n!);
      total -= item.bytes ?? 0;
    }
    meta.put(Math.max(0, total), 'totalBytes');
    await done(tx);
  }

  async stats(): Promise<QueueStats & { queuedItems: number; queuedBytes: number; oldestQueuedAt?: number }> {
    const db = await this.db;
    const tx = db.transaction([ITEMS, META], 'readonly');
    const stats = ((await req(tx.objectStore(META).get('stats'))) as QueueStats | undefined) ?? { droppedItems: 0, droppedEvents: 0, droppedBytes: 0 };
    const queuedBytes = ((await req(tx.objectStore(META).get('totalBytes'))) as number | undefined) ?? 0;
    const queuedItems = await req(tx.objectStore(ITEMS).count());
    const oldest = (await req(tx.objectStore(ITEMS).getAll(undefined, 1)))[0] as QueueItem | undefined;
    return { ...stats, queuedItems, queuedBytes, oldestQueuedAt: oldest?.at };
  }

  /**
   * Keeps the opening of a delivered session (the most recent RECENT_SESSIONS), so a
   * collector that lost it (restored store, new server) can be given it again.
   */
  async rememberSession(init: SessionItem['init']): Promise<void> {
    const db = await this.db;
    const tx = db.transaction(META, 'readwrite');
    const meta = tx.objectStore(META);
    const inits = ((await req(meta.get('sessionInits'))) as SessionItem['init'][] | undefined) ?? [];
    meta.put([...inits.filter((i) => i.id !== init.id), init].slice(-RECENT_SESSIONS), 'sessionInits');
    await done(tx);
  }

  async sessionInit(id: string): Promise<SessionItem['init'] | undefined> {
    const db = await this.db;
    const tx = db.transaction(META, 'readonly');
    const inits = ((await req(tx.objectStore(META).get('sessionInits'))) as SessionItem['init'][] | undefined) ?? [];
    return inits.find((i) => i.id === id);
  }
}
