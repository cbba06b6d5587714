/**
 * Builds every bundle with esbuild into dist/:
 *   dist/recorder/recorder.js  in-page recorder (IIFE), shipped by the proxy and the extension
 *   dist/viewer/               replay viewer UI (app.js, index.html, styles)
 *   dist/verbatim.js           the CLI (Node, ESM; node_modules stay external)
 *   dist/ingest-worker.js      the ingest pipeline's worker thread (proxy/ingest/ingest-worker.ts), beside the CLI
 *   dist/export/               the evidence file's player and rrweb.css (scripts/export/player-bundle.ts)
 *   dist/extension/            kiosk extension, Chromium and Firefox (extension/build.ts)
 */
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildExtension } from '../extension/build';
import { buildPlayer } from './export/player-bundle';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

export async function buildAll(): Promise<void> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await Promise.all([buildRecorder(), buildViewerUi(), buildCli(), buildPlayer(path.join(dist, 'export'))]);
  // After the recorder: the extension ships that very bundle.
  await buildExtension(root, dist);
}

async function buildRecorder(): Promise<void> {
  const outfile = path.join(dist, 'recorder', 'recorder.js');
  await build({
    entryPoints: [path.join(root, 'recorder', 'entry.ts')],
    outfile,
    bundle: true,
    format: 'iife',
    minify: true,
    target: ['chrome90', 'firefox90', 'safari14.1'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  const gz = gzipSync(await readFile(outfile)).length;
  console.log(`recorder bundle: ${(gz / 1024).toFixed(1)} KB gzipped`);
}

/** The viewer UI into `out` (dist/viewer by default; tests build their own copy). */
export async function buildViewerUi(out = path.join(dist, 'viewer')): Promise<void> {
  await build({
    entryPoints: [path.join(root, 'replay-viewer', 'ui', 'app.ts')],
    outfile: path.join(out, 'app.js'),
    bundle: true,
    format: 'iife',
    minify: true,
    target: ['chrome100', 'firefox100'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  await cp(path.join(root, 'replay-viewer', 'ui', 'static'), out, { recursive: true });
  await cp(path.join(root, 'node_modules', 'rrweb', 'dist', 'style.css'), path.join(out, 'rrweb.css'));
}

async function buildCli(): Promise<void> {
  const node = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' } as const;
  await Promise.all([
    build({ ...node, entryPoints: [path.join(root, 'scripts', 'cli.ts')], outfile: path.join(dist, 'verbatim.js'), banner: { js: '#!/usr/bin/env node' } }),
    // Found beside the CLI by proxy/ingest/ingest-workers.ts.
    build({ ...node, entryPoints: [path.join(root, 'proxy', 'ingest', 'ingest-worker.ts')], outfile: path.join(dist, 'ingest-worker.js') }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildAll();
}
