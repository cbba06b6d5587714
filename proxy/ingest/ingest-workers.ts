/**
 * Runs prepare-capture.ts on a worker thread, so masking, hashing and deflating a capture never hold up the proxy's
 * event loop (a 200 KB script took several ms there). One worker by default: this machine class has 2 cores and the
 * main thread needs one. If the worker cannot start or dies, jobs run in-process instead — slower, never lost.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../../store/worker-thread';
import type { MaskingPolicy } from '../masking/index';
import { Masker } from '../masking/masker';
import { prepareCapture, type CaptureJob, type PreparedCapture } from './prepare-capture';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A job is kept until answered: if the worker dies, it runs in-process — unless its bytes were moved to the worker
 * (then they went with it and the capture is reported failed, never stored half).
 */
interface Pending { job: CaptureJob; moved: boolean; resolve: (r: PreparedCapture) => void; reject: (e: unknown) => void }

export class IngestWorkers {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** For jobs run in-process (no worker). */
  private readonly masker: Masker;

  constructor(
    private readonly policy: MaskingPolicy,
    useWorker = true,
    /** Told when the worker could not start or died (jobs then run in-process). */
    private readonly onLost?: (err: unknown) => void,
  ) {
    this.masker = new Masker(policy);
    if (useWorker) this.start();
  }

  /** Whether jobs run on a worker thread (false after it failed: they run in-process). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  prepare(job: CaptureJob): Promise<PreparedCapture> {
    const worker = this.worker;
    if (!worker) return prepareCapture(this.masker, job);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      // A body that owns its whole ArrayBuffer (the capture tap's concat of a body over 4 KB) moves to the worker
      // without a copy; a smaller one lives in Node's shared buffer pool and is copied.
      const transfer = [job.body?.bytes, job.requestBody?.bytes]
        .filter((b): b is Uint8Array => b !== undefined && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.byteLength > 0)
        .map((b) => b.buffer as ArrayBuffer);
      this.pending.set(id, { job, moved: transfer.length > 0, resolve, reject });
      worker.postMessage({ id, job }, transfer);
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
    let worker: Worker;
    try {
      // dist/ingest-worker.js beside the bundled CLI, else this folder's source (run under tsx).
      worker = startWorkerThread(here, 'ingest-worker', { policy: this.policy.file });
    } catch (err) {
      this.onLost?.(err);
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
    const lost = (err?: unknown): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (!this.closed) this.onLost?.(err ?? new Error('the ingest worker exited'));
      this.failOver();
    };
    worker.on('error', lost);
    worker.on('exit', () => lost());
    this.worker = worker;
  }

  /** Jobs the worker did not answer run in-process. */
  private failOver(): void {
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) {
      if (p.moved) p.reject(new Error('the ingest worker stopped while it held this capture\'s bytes'));
      else prepareCapture(this.masker, p.job).then(p.resolve, p.reject);
    }
  }
}
