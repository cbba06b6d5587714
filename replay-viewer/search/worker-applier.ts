/**
 * The follower's door to the search worker thread (search-worker.ts): posts each read page there and answers with
 * what the worker applied. If the worker cannot start or dies, pages are applied in-process instead (slower, on the
 * event loop the proxy shares) and the log says so once; a page the worker held when it died is reported
 * SEARCH_WORKER_LOST, and the follower reads it again from the index's cursor (the worker committed it or not).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { VerbatimError } from '../../store/errors';
import type { PageApplierPort, PageSink } from './page-applier';
import type { AppliedPage } from './read-page';
import { PendingReplies, startWorkerThread } from '../../store/worker-thread';
import type { SearchWorkerData, WorkerReply, WorkerRequest } from './worker-protocol';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface WorkerApplierOptions {
  data: SearchWorkerData;
  /** Applies in-process on the main thread's own connection: used once the worker is gone. */
  fallback: () => PageApplierPort;
  log: (message: string) => void;
}

export class WorkerPageApplier implements PageApplierPort {
  private worker: Worker | undefined;
  private inProcess: PageApplierPort | undefined;
  private readonly pending = new PendingReplies<AppliedPage>();
  private closed = false;

  constructor(private readonly opts: WorkerApplierOptions) {
    this.start();
  }

  /** The worker thread while it runs (tests end it to check the fallback), undefined once pages run in-process. */
  get thread(): Worker | undefined {
    return this.worker;
  }

  begin(): PageSink {
    const worker = this.worker;
    if (!worker) return this.fallback().begin();
    const id = this.pending.newId();
    const lost = () => new VerbatimError('SEARCH_WORKER_LOST', 'the search worker stopped while it held a page of the change feed');
    return {
      add: (change) => {
        if (this.worker === worker) worker.postMessage({ type: 'change', id, change } satisfies WorkerRequest);
      },
      end: (sessions) => {
        // Gone since the page began: some of its changes may not have reached it.
        if (this.worker !== worker) return Promise.reject(lost());
        const reply = this.pending.wait(id);
        worker.postMessage({ type: 'apply', id, sessions } satisfies WorkerRequest);
        return reply;
      },
    };
  }

  forget(): void {
    this.worker?.postMessage({ type: 'forget' } satisfies WorkerRequest);
    this.inProcess?.forget();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending();
    await this.inProcess?.close();
    if (!worker) return;
    // Let it close its connection; a worker that does not answer is ended.
    const exited = new Promise((r) => worker.once('exit', r));
    worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    const timer = setTimeout(() => void worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private fallback(): PageApplierPort {
    return (this.inProcess ??= this.opts.fallback());
  }

  private start(): void {
    let worker: Worker;
    try {
      // The bundled CLI runs dist/search-worker.js; tests and benchmarks this folder's source under tsx.
      worker = startWorkerThread(here, 'search-worker', this.opts.data);
    } catch (err) {
      return this.lost(err);
    }
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      if ('log' in reply) return this.opts.log(reply.log);
      if ('failed' in reply) return this.lost(Object.assign(new Error('the search worker could not open the index'), { code: reply.failed }), worker);
      if (!('id' in reply)) return;
      const p = this.pending.take(reply.id);
      if (!p) return;
      if ('error' in reply) p.reject(Object.assign(new Error('the search worker failed a page'), { code: reply.error }));
      else p.resolve(reply.applied);
    });
    worker.on('error', (err) => this.lost(err, worker));
    worker.on('exit', () => this.lost(new Error('the search worker exited'), worker));
    this.worker = worker;
  }

  /** The worker could not start or is gone: pages run in-process from now on. */
  private lost(err: unknown, worker?: Worker): void {
    if (worker && this.worker !== worker) return;
    this.worker = undefined;
    if (this.closed) return;
    const code = (err as { code?: unknown })?.code;
    this.opts.log(`search index: the search worker stopped (${typeof code === 'string' ? code : (err as Error)?.name ?? 'ERROR'}): extracting and writing in-process`);
    void worker?.terminate();
    this.failPending();
  }

  private failPending(): void {
    this.pending.failAll(() => new VerbatimError('SEARCH_WORKER_LOST', 'the search worker stopped while it held a page of the change feed'));
  }
}
