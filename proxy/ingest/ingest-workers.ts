/**
 * Runs prepare-capture.ts on a worker thread, so masking, hashing and deflating a capture never hold up the proxy's
 * event loop (a 200 KB script took several ms there). One worker by default: this machine class has 2 cores and the
 * main thread needs one. If the worker cannot start or dies, jobs run in-process instead — slower, never lost.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MaskingPolicy } from '../masking/index';
import { prepareCapture, type CaptureJob, type PreparedCapture } from './prepare-capture';

const here = path.dirname(fileURLToPath(import.meta.url));

/** dist/ingest-worker.js beside the bundled CLI, else this folder's source (run under tsx). */
function workerEntry(): string | undefined {
  const built = path.join(here, 'ingest-worker.js');
  if (existsSync(built)) return built;
  const source = path.join(here, 'ingest-worker.ts');
  return existsSync(source) ? source : undefined;
}

interface Pending { job: CaptureJob; resolve: (r: PreparedCapture) => void; reject: (e: unknown) => void }

export class IngestWorkers {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly policy: MaskingPolicy, useWorker = true) {
    if (useWorker) this.start();
  }

  /** Whether jobs run on a worker thread (false after it failed: they run in-process). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  prepare(job: CaptureJob): Promise<PreparedCapture> {
    const worker = this.worker;
    if (!worker) return prepareCapture(this.policy, job);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { job, resolve, reject });
      // Copies, not transfers: the caller's buffers may be shared with the response stream.
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failOver();
    await worker?.terminate();
  }

  private start(): void {
    const entry = workerEntry();
    if (!entry) return;
    let worker: Worker;
    try {
      worker = new Worker(entry, { workerData: { policy: this.policy.file } });
    } catch {
      return;
    }
    worker.unref();
    worker.on('message', (reply: { id: number; result?: PreparedCapture; error?: string }) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply.result!);
    });
    const lost = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failOver();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
  }

  /** Jobs the worker did not answer run in-process. */
  private failOver(): void {
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) prepareCapture(this.policy, p.job).then(p.resolve, p.reject);
    void this.closed;
  }
}
