/**
 * Entry of the ingest worker thread: masks, hashes and deflates captures off the proxy's event loop
 * (prepare-capture.ts). Built into dist/ingest-worker.js for the bundled CLI; run from source under tsx in tests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Masker } from '../masking/masker';
import { parsePolicy } from '../masking/policy';
import { prepareCapture, type CaptureJob, type PreparedCapture } from './prepare-capture';

interface Request { id: number; job: CaptureJob }
type Reply = { id: number; result: PreparedCapture } | { id: number; error: string };

const masker = new Masker(parsePolicy((workerData as { policy: unknown }).policy));

parentPort!.on('message', (request: Request) => {
  prepareCapture(masker, request.job).then(
    (result) => {
      const transfer: ArrayBuffer[] = [];
      for (const b of [result.body, result.requestBody]) if (b && b !== 'dropped') transfer.push(b.encoded.buffer as ArrayBuffer);
      parentPort!.postMessage({ id: request.id, result } satisfies Reply, transfer);
    },
    (err: unknown) => parentPort!.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
  );
});
