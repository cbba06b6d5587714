/**
 * `npm run demo`: start the sample bank on loopback, record a scripted customer
 * journey in headless Chromium through the proxy, shut the bank down, and keep
 * the viewer running with the replay link printed. `--exit` stops after printing.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from '../proxy/index';
import { DEFAULT_POLICY, Masker } from '../proxy/masking/index';
import { startViewer } from '../replay-viewer/server';
import { openStore } from '../store/index';
import { launchChromium } from './chromium';
import { loadConfig } from './config';
import { runJourney } from './sample-bank/journey';
import { startSampleBank } from './sample-bank/server';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const exitWhenDone = argv.includes('--exit');
const config = loadConfig(argv.filter((a) => a !== '--exit'), process.env);

await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
const store = await openStore(path.join(config.dataDir, 'store'));
const bank = await startSampleBank();
const proxy = await startProxy({
  allowedTargets: LOOPBACK,
  store, dataDir: config.dataDir, port: 0,
  recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
});
const masker = new Masker(DEFAULT_POLICY);
const viewer = await startViewer({
  store, host: config.viewerHost, port: config.viewerPort, uiDir: path.join(root, 'dist', 'viewer'),
  notes: { mask: (text) => masker.text(text) },
});
console.log(`Sample bank on ${bank.url}; recording through ${proxy.url} ...`);

const browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const startedAt = Date.now();
const moments: { label: string; at: number }[] = [];
await runJourney(await context.newPage(), bank.url, async (label) => { moments.push({ label, at: Date.now() }); });
await browser.close();
await proxy.drain();
await proxy.close();
await bank.close();

const session = (await store.listSessions({ limit: 1 }))[0];
if (!session || session.startedAt < startedAt - 1000) throw new Error('the demo journey produced no session');
console.log(`
Recorded session ${session.id}: ${session.pages.length} pages, ${session.eventCount} events, ${((session.endedAt - session.startedAt) / 1000).toFixed(1)} s.
The sample bank has been shut down; the replay comes from the store alone.

  Replay:        ${viewer.url}/sessions/${session.id}
${moments.map((m) => `  At "${m.label}":${' '.repeat(Math.max(1, 10 - m.label.length))}${viewer.url}/sessions/${session.id}?at=${m.at}`).join('\n')}
  All sessions:  ${viewer.url}/
`);
if (exitWhenDone) {
  await viewer.close();
  await store.close();
} else {
  console.log('The viewer keeps running; press Ctrl+C to stop.');
  const stop = async () => { await viewer.close(); await store.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
