import { Worker } from 'node:worker_threads';
import { CODEC_DEFLATE_RAW, CODEC_RAW, encodeValue, MIN_COMPRESSIBLE, withCodec } from './blob-codec';

/**
 * Deflates on a worker thread. Node's async zlib (`zlib.deflateRaw(buf, cb)`)
 * builds a stream per call: measured ~50 µs of event-loop time and ~160 µs of
 * CPU per 20 KB body at level 1. Handing the bodies of one tick to a worker
 * that runs deflateRawSync costs ~10 µs of event-loop time and ~120 µs of CPU,
 * and keeps the proxy's loop free. Jobs of one tick travel in one message; the
 * worker answers with ready-to-store values (codec byte + payload).
 * If the worker dies, its jobs (and later ones) fall back to async zlib.
 */

interface Job {
  id: number;
  bytes: Uint8Array;
  level: number;
}

interface Waiting {
  /** The caller's bytes, kept for the fallback (the job's copy is transferred away). */
  source: Uint8Array;
  level: number;
  resolve: (value: Uint8Array) => void;
  reject: (err: unknown) => void;
}

interface Done {
  id: number;
  value: Uint8Array;
}

// Plain CommonJS so it runs from source (tsx) and from an esbuild bundle alike.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { deflateRawSync } = require('node:zlib');
parentPort.on('message', (jobs) => {
  const done = [];
  const transfer = [];
  for (const job of jobs) {
    const deflated = deflateRawSync(job.bytes, { level: job.level });
    const smaller = deflated.byteLength < job.bytes.byteLength;
    const payload = smaller ? deflated : job.bytes;
    const value = new Uint8Array(payload.byteLength + 1);
    value[0] = smaller ? ${CODEC_DEFLATE_RAW} : ${CODEC_RAW};
    value.set(payload, 1);
    done.push({ id: job.id, value });
    transfer.push(value.buffer);
  }
  parentPort.postMessage(done, transfer);
});
`;

export class DeflateWorker {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private queued: Job[] = [];
  private scheduled = false;
  private readonly waiting = new Map<number, Waiting>();

  /** Encodes for storage like encodeValue(bytes, true, level), off the event loop. */
  encode(bytes: Uint8Array, level: number): Promise<Uint8Array> {
    if (bytes.byteLength < MIN_COMPRESSIBLE) return Promise.resolve(withCodec(CODEC_RAW, bytes));
    if (this.failed) return encodeValue(bytes, true, level);
    // The worker gets a private copy, transferred rather than cloned (a view would
    // clone its whole backing buffer); the caller's bytes stay untouched.
    const job: Job = { id: this.nextId++, bytes: new Uint8Array(bytes), level };
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.set(job.id, { source: bytes, level, resolve, reject });
      this.queued.push(job);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.post());
      }
    });
  }

  /** Stops the thread; jobs still waiting finish with async zlib. The next encode starts a fresh one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.fallBack();
    this.failed = false;
  }

  private post(): void {
    this.scheduled = false;
    const jobs = this.queued;
    this.queued = [];
    if (jobs.length === 0) return;
    if (this.failed) {
      this.fallBack();
      return;
    }
    const worker = this.ensureWorker();
    worker.ref(); // outstanding jobs keep the process alive; an idle worker does not
    worker.postMessage(jobs, jobs.map((j) => j.bytes.buffer as ArrayBuffer));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (done: Done[]) => {
      for (const { id, value } of done) {
        const entry = this.waiting.get(id);
        this.waiting.delete(id);
        entry?.resolve(value);
      }
      if (this.waiting.size === 0) worker.unref();
    });
    const onFailure = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failed = true;
      this.fallBack();
    };
    worker.on('error', onFailure);
    worker.on('exit', onFailure);
    this.worker = worker;
    return worker;
  }

  /** Finishes every waiting job with async zlib (the worker is gone). */
  private fallBack(): void {
    const entries = [...this.waiting.values()];
    this.waiting.clear();
    this.queued = [];
    for (const { source, level, resolve, reject } of entries) {
      encodeValue(source, true, level).then(resolve, reject);
    }
  }
}
