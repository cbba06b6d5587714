/**
 * One gateway instance for the multi-instance bench (instances.ts), in its own process as deployed: the store, the
 * ingest pipeline and the gateway wired as `verbatim start` wires them (scripts/cli.ts), from the same flags
 * (`--data`, `--store`, `--blobs`, `--keys`, `--upstream`), but without the viewer, the search follower and the
 * reviews (each has its own bench), so what is measured is recording alone. Prints its gateway port.
 *
 * Arguments: the `verbatim start` flags. Messages: 'drain' (answers { captured, failed, dropped, diskBytes } once
 * every capture so far is stored), 'stop'.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IngestPipeline, parseUpstreams, startGateway } from '../../proxy/index';
import { loadConfig, loadMaskingPolicy } from '../config';
import { distDir } from '../dist-dir';
import { integrityOf } from '../integrity-commands';
import { openConfiguredStore } from '../store-open';

const config = loadConfig(['start', ...process.argv.slice(2)], process.env);
const store = await openConfiguredStore(config, { integrity: integrityOf(config), openDegraded: true });
// Codes and messages only, at most a few: a bench that floods its log measures the log.
let logged = 0;
const onError = (err: unknown, context: string) => {
  if (logged++ < 5) process.stderr.write(`[instance] ${context}: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}\n`);
};
const ingest = new IngestPipeline({ store, masking: await loadMaskingPolicy(config), onError });
const gateway = await startGateway({
  store, dataDir: config.dataDir, keysDir: config.keysDir, onError, ingest, host: '127.0.0.1', port: 0,
  recorderScript: await readFile(path.join(distDir, 'recorder', 'recorder.js')),
  routes: parseUpstreams(config.upstreams!.split(',')),
  captureMaxBytes: config.captureMaxBytes, sessionIdleMs: config.sessionIdleMinutes * 60_000,
});
process.stdout.write(`${gateway.port}\n`);
process.on('message', async (msg) => {
  if (msg === 'drain') {
    await gateway.drain();
    const { captured, failed, dropped } = ingest.stats;
    process.send?.({ captured, failed, dropped, diskBytes: config.storeUrl ? 0 : await store.diskUsage() });
  }
  if (msg === 'stop') {
    await gateway.close();
    await ingest.close();
    await store.close();
    process.exit(0);
  }
});
