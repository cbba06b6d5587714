/**
 * How Verbatim's worker threads are started and answered: the ingest pipeline's (proxy/ingest/ingest-workers.ts), the
 * search index's page applier (replay-viewer/search/worker-applier.ts) and the trust job's (derived/trust-runner.ts).
 * It lives in store/, the layer every other one imports, because it knows nothing of any of them. What each does once
 * its worker dies stays with each, because it differs: ingest and the applier go on in-process, the trust runner
 * starts a fresh worker at its next run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts `<dir>/<name>.js` (the bundle scripts/build.ts puts beside the CLI) or else `<dir>/<name>.ts` (run under
 * tsx: tests, benchmarks). Throws when neither is there or the thread cannot be made.
 */
export function startWorkerThread(dir: string, name: string, workerData?: unknown): Worker {
  const built = path.join(dir, `${name}.js`);
  if (existsSync(built)) return new Worker(built, { workerData });
  const source = path.join(dir, `${name}.ts`);
  if (!existsSync(source)) throw new Error(`no ${name} bundle`);
  // From source the worker registers tsx itself: the main thread's loader hooks do not reach worker threads.
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(source).href)}); })`, { eval: true, workerData });
}

interface Waiting<T> { resolve: (value: T) => void; reject: (err: unknown) => void }

/** The replies a worker owes, by request id. */
export class PendingReplies<T> {
  private readonly waiting = new Map<number, Waiting<T>>();
  private nextId = 0;

  newId(): number {
    return this.nextId++;
  }

  /** Settled through take(id) when the worker answers, or failed with the rest (failAll). */
  wait(id: number): Promise<T> {
    return new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** Who waits for the reply to `id`, no longer waiting; undefined when nobody does (answered, or failed over). */
  take(id: number): Waiting<T> | undefined {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    return w;
  }

  /** The worker is gone: everything still waiting fails with a fresh `error()`. */
  failAll(error: () => unknown): void {
    const left = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of left) w.reject(error());
  }
}
