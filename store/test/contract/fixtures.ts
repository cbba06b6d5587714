/** Shared fixtures of the store contract suite (store/test/contract/). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isVerbatimError } from '../../errors';
import type { ErrorCode } from '../../errors';
import type { StoreBase, StoreBaseOptions } from '../../base/store-base';
import type { CapturedResource, EventBatch, RecordedEvent, SessionInit } from '../../records';

/**
 * Fixtures of the contract suite. `makeStore` returns a store that is NOT yet opened (the suite opens it), built with
 * the given options (integrity keys, keyring, fault hooks), and a cleanup that removes its data; the suite closes the
 * store before calling cleanup. `reopen` gives a new instance over the same data (durable backends).
 */
export type StoreFactory = (options?: StoreBaseOptions) => Promise<{
  store: StoreBase;
  cleanup: () => Promise<void>;
  reopen?: (options?: StoreBaseOptions) => StoreBase;
}>;

export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isVerbatimError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function sessionInit(id: string, startedAt: number, extra: Partial<SessionInit> = {}): SessionInit {
  return { id, channel: 'proxy', startedAt, userAgent: 'test-agent', ...extra };
}

export function event(timestamp: number, type = 3, data: unknown = { source: 0 }): RecordedEvent {
  return { type, timestamp, data };
}

export function batch(sessionId: string, pageId: string, seq: number, events: RecordedEvent[], extra: Partial<EventBatch> = {}): EventBatch {
  return {
    sessionId, page: { id: pageId, url: `https://bank.example/${pageId}` }, seq, events, receivedAt: 1_000, ...extra,
  };
}

let captureCounter = 0;
export function capture(url: string, startedAt: number, digest: string | null, sessionId?: string): CapturedResource {
  captureCounter += 1;
  return {
    id: `cap-${captureCounter}`,
    ...(sessionId !== undefined ? { sessionId } : {}),
    method: 'GET',
    url,
    status: 200,
    statusText: 'OK',
    headers: [['content-type', 'text/html'], ['x-multi', 'a'], ['x-multi', 'b']],
    destination: 'document',
    startedAt,
    timing: { headersMs: 12, totalMs: 30 },
    body: digest === null ? null : { digest, size: 4, encoding: '', truncated: false },
  };
}

/** Text that compresses well but not trivially (words with some numbers). */
export function text(bytes: number, seed = 1): Uint8Array {
  const words = ['account', 'balance', 'transfer', '<div class="row">', '</div>', 'function', 'return', 'const', 'IBAN'];
  let x = seed;
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const word = x % 7 === 0 ? String(x % 100000) : words[x % words.length]!;
    parts.push(word, ' ');
    length += word.length + 1;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

