/**
 * Runs trust computations on the trust worker thread (trust-worker.ts), answering its store reads from the main
 * thread's store (store-bridge.ts), so the main thread only does the store's I/O and the index write. A run out of
 * time is ended with the worker (`abandon`): the next run starts a fresh one. If the worker cannot start or dies, runs
 * go in-process (`fallback`) and the log says so once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { ERROR_CODES, VerbatimError, type ErrorCode } from '../../../store/errors';
import type { VerbatimStore } from '../../../store/store';
import { PendingReplies, startWorkerThread } from '../../../store/worker-thread';
import { answerRead, postAnswer, type BridgeRequest } from './store-bridge';
import type { TrustFindings } from './trust-compute';
import type { TrustWorkerReply, TrustWorkerRequest } from './trust-runner-protocol';

const here = path.dirname(fileURLToPath(import.meta.url));

export class TrustWorkerRunner {
  private worker: Worker | undefined;
  private failedToStart = false;
  private readonly pending = new PendingReplies<TrustFindings>();

  constructor(
    private readonly store: VerbatimStore,
    private readonly fallback: (sessionId: string) => Promise<TrustFindings>,
    private readonly log: (message: string) => void,
  ) {}

  /** Whether runs go to a worker thread (false once it could not start). */
  get onWorker(): boolean {
    return !this.failedToStart;
  }

  run(sessionId: string): Promise<TrustFindings> {
    const worker = this.worker ?? this.start();
    if (!worker) return this.fallback(sessionId);
    const id = this.pending.newId();
    const reply = this.pending.wait(id);
    worker.postMessage({ type: 'run', id, sessionId } satisfies TrustWorkerRequest);
    return reply;
  }

  /** Ends the worker and whatever it was running (out of time); the next run starts a fresh one. */
  async abandon(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending('INTERNAL');
    await worker?.terminate();
  }

  async close(): Promise<void> {
    await this.abandon();
  }

  private start(): Worker | undefined {
    if (this.failedToStart) return undefined;
    let worker: Worker;
    try {
      // dist/trust-worker.js beside the bundled CLI, else this folder's source (run under tsx).
      worker = startWorkerThread(here, 'trust-worker');
    } catch (err) {
      this.failedToStart = true;
      this.log(`trust job: the trust worker did not start (${(err as Error)?.name ?? 'ERROR'}): running in-process`);
      return undefined;
    }
    worker.unref();
    worker.on('message', (m: TrustWorkerReply | BridgeRequest) => {
      if ('bridge' in m) {
        void answerRead(this.store, m).then((reply) => postAnswer(reply, (part) => {
          if (this.worker === worker) worker.postMessage(part);
        }));
        return;
      }
      if (m.type === 'ready') return;
      const p = this.pending.take(m.id);
      if (!p) return;
      if (m.type === 'done') p.resolve(m.findings);
      else p.reject(new VerbatimError((m.error in ERROR_CODES ? m.error : 'INTERNAL') as ErrorCode, 'the trust run failed'));
    });
    const gone = () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failPending('INTERNAL');
    };
    worker.on('error', (err) => {
      this.log(`trust job: the trust worker stopped (${(err as Error)?.name ?? 'ERROR'})`);
      gone();
    });
    worker.on('exit', gone);
    this.worker = worker;
    return worker;
  }

  private failPending(code: ErrorCode): void {
    this.pending.failAll(() => new VerbatimError(code, 'the trust worker stopped while it held a run'));
  }
}
