/**
 * The proxy under benchmark, in its own process (as in production) so the load
 * generator does not share its event loop. Prints its port on stdout.
 *
 * Arguments: <dataDir> [<upstream URL>,... [empty]]. With upstreams (the page-load
 * bench) it also starts one gateway per upstream and prints one JSON line instead:
 * {port, spki, gateways: [url, ...]}; `empty` injects an empty script in place of
 * the recorder (the proxy's own cost alone). Messages: 'drain' (answers 'drained'
 * once every capture so far is stored), 'stats', 'stop'.
 *
 * BENCH_SEARCH=inline|worker also runs the search follower as `verbatim start` does (in-process, or extraction and
 * index writes on the search worker thread); 'search' answers, once the index has caught up, the follower's profile
 * and the event loop's longest stalls (search-overhead.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUpstreams, startGateway, startProxy } from '../../proxy/index';
import { openStore } from '../../store/index';
import { startSearchProbe } from './search-probe';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [dataDir, upstreams, recorder] = process.argv.slice(2) as [string, string?, string?];
const store = await openStore(path.join(dataDir, 'store'));
const recorderScript = recorder === 'empty' ? Buffer.from('') : await readFile(path.join(root, 'dist', 'recorder', 'recorder.js'));
const onError = (err: unknown, context: string) => process.stderr.write(`${context}: ${(err as Error).message}\n`);
const proxy = await startProxy({ allowedTargets: LOOPBACK, store, dataDir, port: 0, recorderScript, onError });
const search = process.env.BENCH_SEARCH ? await startSearchProbe(store, dataDir, process.env.BENCH_SEARCH) : undefined;
const gateways = await Promise.all((upstreams ? upstreams.split(',') : []).map((url) =>
  startGateway({ store, dataDir, port: 0, recorderScript, routes: parseUpstreams([url]), onError })));
process.stdout.write(upstreams
  ? `${JSON.stringify({ port: proxy.port, spki: proxy.ca.spkiFingerprint, gateways: gateways.map((g) => g.url) })}\n`
  : `${proxy.port}\n`);
process.on('message', async (msg) => {
  // CPU time of this process, every thread (the ingest worker included): steadier than req/s on a shared machine.
  if (msg === 'cpu') process.send?.(process.cpuUsage());
  if (msg === 'stats') {
    await proxy.drain();
    process.send?.({ ...proxy.captureStats, diskBytes: await store.diskUsage() });
  }
  if (msg === 'search') {
    await proxy.drain();
    process.send?.(await search!.report());
  }
  if (msg === 'drain') {
    await Promise.all([proxy.drain(), ...gateways.map((g) => g.drain())]);
    process.send?.('drained');
  }
  if (msg === 'stop') {
    await Promise.all(gateways.map((g) => g.close()));
    await proxy.close();
    await search?.close();
    await store.close();
    process.exit(0);
  }
});
