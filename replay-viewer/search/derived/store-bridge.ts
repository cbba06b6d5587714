/**
 * The store's read calls across a thread boundary: the trust worker (trust-worker.ts) runs the replay library over a
 * stand-in store whose reads are posted to the main thread, which answers them from the one real store (LevelDB has
 * one handle per process). Only the reads the fidelity report and the foreign-content detector make pass; anything
 * else is refused. Records and bodies cross by structured clone.
 */
import type { MessagePort } from 'node:worker_threads';
import { ERROR_CODES, VerbatimError, type ErrorCode } from '../../../store/errors';
import type { VerbatimStore } from '../../../store/store';

/** The store calls the worker may make: reads of one session's records, captures and bodies. */
export const BRIDGED_READS = [
  'getBlob', 'hasBlob', 'findCapture', 'latestCapture', 'listCaptures', 'getCapture', 'getSession', 'readEvents',
  'getEventBatch', 'listWebSocketMessages',
] as const;
type Read = (typeof BRIDGED_READS)[number];
const READS: ReadonlySet<string> = new Set(BRIDGED_READS);

export type BridgeRequest = { bridge: 'read'; id: number; method: string; args: unknown[] };
export type BridgeReply =
  | { bridge: 'answer'; id: number; value: unknown }
  /** A list answered item by item (`part`), then `parts` with how many: see postAnswer. */
  | { bridge: 'part'; id: number; item: unknown }
  | { bridge: 'answer'; id: number; parts: number }
  | { bridge: 'answer'; id: number; error: string; message: string };

/** Main thread: answers a worker's read with the real store. */
export async function answerRead(store: VerbatimStore, request: BridgeRequest): Promise<BridgeReply> {
  try {
    if (!READS.has(request.method)) throw new VerbatimError('BAD_REQUEST', 'not a store read the trust worker may make', { method: request.method });
    const fn = store[request.method as Read] as (...a: unknown[]) => Promise<unknown>;
    return { bridge: 'answer', id: request.id, value: await fn.apply(store, request.args) };
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    return { bridge: 'answer', id: request.id, error: typeof code === 'string' ? code : 'INTERNAL', message: (err as Error)?.message ?? '' };
  }
}

/**
 * Main thread: posts an answer. A list goes item by item with a turn of the event loop between: cloning a large
 * session's events in one message held the main thread 224 ms (5,000 events); one batch at a time holds it for a
 * batch's clone.
 */
export async function postAnswer(reply: BridgeReply, post: (m: BridgeReply) => void): Promise<void> {
  if (!('value' in reply) || !Array.isArray(reply.value) || reply.value.length < 2) return post(reply);
  const items = reply.value as unknown[];
  for (const item of items) {
    post({ bridge: 'part', id: reply.id, item });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  post({ bridge: 'answer', id: reply.id, parts: items.length });
}

/** Worker thread: a VerbatimStore whose reads go to the main thread (any other call is refused there). */
export function bridgedStore(port: MessagePort): { store: VerbatimStore; onReply(reply: BridgeReply): void } {
  let next = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; parts: unknown[] }>();
  const store = new Proxy({}, {
    get: (_, method) => (typeof method !== 'string' || method === 'then' ? undefined : (...args: unknown[]) => new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject, parts: [] });
      port.postMessage({ bridge: 'read', id, method, args } satisfies BridgeRequest);
    })),
  }) as VerbatimStore;
  return {
    store,
    onReply(reply) {
      const w = waiting.get(reply.id);
      if (!w) return;
      if (reply.bridge === 'part') return void w.parts.push(reply.item);
      waiting.delete(reply.id);
      if ('parts' in reply) {
        if (w.parts.length === reply.parts) w.resolve(w.parts);
        else w.reject(new VerbatimError('INTERNAL', 'a store answer arrived incomplete'));
      } else if ('error' in reply) {
        const code = (reply.error in ERROR_CODES ? reply.error : 'INTERNAL') as ErrorCode;
        w.reject(new VerbatimError(code, reply.message));
      } else {
        w.resolve(reply.value);
      }
    },
  };
}
