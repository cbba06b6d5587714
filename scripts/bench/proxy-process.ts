/**
 * The proxy under benchmark, in its own process (as in production) so the load
 * generator does not share its event loop. Prints its port on stdout.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from '../../proxy/index';
import { openStore } from '../../store/index';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = process.argv[2];
const store = await openStore(path.join(dataDir, 'store'));
const proxy = await startProxy({
  store, dataDir, port: 0, recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  onError: (err, context) => process.stderr.write(`${context}: ${(err as Error).message}\n`),
});
process.stdout.write(`${proxy.port}\n`);
process.on('message', async (msg) => {
  if (msg === 'stats') {
    await proxy.drain();
    process.send?.({ ...proxy.captureStats, diskBytes: await store.diskUsage() });
  }
  if (msg === 'stop') {
    await proxy.close();
    await store.close();
    process.exit(0);
  }
});
