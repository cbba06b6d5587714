/**
 * Entry of the trust worker thread: runs the fidelity report and the foreign-content detector (the DOM mirror over
 * every event, the evidence corpus over every body: seconds of CPU for a large session) off the main thread, reading
 * the store through the main thread (store-bridge.ts). One run at a time; the main thread ends the worker when a run
 * is out of time (trust-runner.ts). Built into dist/trust-worker.js for the bundled CLI; run from source under tsx.
 */
import { parentPort } from 'node:worker_threads';
import { ReplayLibrary } from '../../replay/index';
import { codeOf } from '../page-applier';
import { bridgedStore, type BridgeReply } from './store-bridge';
import { computeTrust } from './trust-compute';
import type { TrustWorkerReply, TrustWorkerRequest } from './trust-runner-protocol';

const port = parentPort!;
const bridge = bridgedStore(port);
const library = new ReplayLibrary(bridge.store);

port.on('message', (m: TrustWorkerRequest | BridgeReply) => {
  if ('bridge' in m) return bridge.onReply(m);
  if (m.type === 'close') return port.close();
  computeTrust(library, m.sessionId).then(
    (findings) => port.postMessage({ type: 'done', id: m.id, findings } satisfies TrustWorkerReply),
    (err: unknown) => port.postMessage({ type: 'failed', id: m.id, error: codeOf(err) } satisfies TrustWorkerReply),
  );
});
port.postMessage({ type: 'ready' } satisfies TrustWorkerReply);
