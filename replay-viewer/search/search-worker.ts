/**
 * Entry of the search worker thread: extracts and writes pages of the change feed (page-applier.ts) on its own
 * write connection to the index (SQLite or PostgreSQL), so the proxy's event loop never runs the extractor, the tokens' HMACs or the
 * SQLite transaction. The main thread reads the store and posts each page (worker-applier.ts). Built into
 * dist/search-worker.js for the bundled CLI; run from source under tsx in tests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ReadChange } from './read-page';
import { VerbatimError } from '../../store/errors';
import { createIndexExtractor } from './struggle-hits';
import { loadOrCreateIndexKey } from './index-key';
import { PageApplier, codeOf } from './page-applier';
import type { SearchWorkerData, WorkerReply, WorkerRequest } from './worker-protocol';
import { newSearchIndex } from './open-index';

const data = workerData as SearchWorkerData;
const port = parentPort!;
const log = (message: string) => port.postMessage({ log: message } satisfies WorkerReply);

try {
  const index = newSearchIndex(data, await loadOrCreateIndexKey(data.keysDir));
  await index.open();
  const applier = new PageApplier({ index, createExtractor: createIndexExtractor, maxHitsPerWrite: data.maxHitsPerWrite, retryMs: data.retryMs, log });
  // The page being posted (one at a time: the follower waits for each page's answer before reading the next; a page
  // it gave up on half-posted is replaced by the next one's first change).
  let current: { id: number; changes: ReadChange[] } | undefined;
  // Applied one at a time, in order.
  let queue = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'change') {
      if (current?.id !== request.id) current = { id: request.id, changes: [] };
      current.changes.push(request.change);
      return;
    }
    const page = request.type === 'apply' && current?.id === request.id ? { changes: current.changes, sessions: request.sessions } : undefined;
    if (request.type === 'apply') current = undefined;
    queue = queue.then(async () => {
      if (request.type === 'forget') return applier.forget();
      if (request.type === 'close') {
        await applier.close();
        await index.close();
        return void port.close();
      }
      try {
        if (!page) throw new VerbatimError('BAD_REQUEST', 'a page the search worker did not receive', { id: request.id });
        port.postMessage({ id: request.id, applied: await applier.apply(page) } satisfies WorkerReply);
      } catch (err) {
        port.postMessage({ id: request.id, error: codeOf(err) } satisfies WorkerReply);
      }
    });
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
} catch (err) {
  // The index did not open here: the main thread applies in-process.
  port.postMessage({ failed: codeOf(err) } satisfies WorkerReply);
  port.close();
}
