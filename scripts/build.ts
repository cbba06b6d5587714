/**
 * Builds every bundle with esbuild into dist/:
 *   dist/recorder/recorder.js  in-page recorder (IIFE), shipped by the proxy and the extension
 *   dist/viewer/               replay viewer UI (app.js, early-requests.js, index.html, styles)
 *   dist/verbatim.js           the CLI (Node, ESM; node_modules stay external)
 *   dist/ingest-worker.js      the ingest pipeline's worker thread (proxy/ingest/ingest-worker.ts), beside the CLI
 *   dist/search-worker.js      the search index's worker thread (replay-viewer/search/search-worker.ts), beside the CLI
 *   dist/trust-worker.js       the search's trust job's worker thread (replay-viewer/search/derived/trust-worker.ts)
 *   dist/export/               the evidence file's player and rrweb.css (scripts/export/player-bundle.ts)
 *   dist/extension/            kiosk extension, Chromium and Firefox, the signed CRX, update.xml and filled-in
 *                              policy templates (extension/build.ts)
 *
 * Options (environment variable in brackets):
 *   --extension-key FILE   the bank's extension signing key, made on the first build when missing
 *                          (<data>/keys/extension-signing.pem; never commit it) [VERBATIM_EXTENSION_KEY]
 *   --extension-url URL    where update.xml and the CRX are hosted [VERBATIM_EXTENSION_URL]
 *   --collector-url URL    the Verbatim server as terminals reach it, for the policy templates [VERBATIM_COLLECTOR_URL]
 *   --data DIR             data directory, for the default key path (./data) [VERBATIM_DATA]
 */
import { build, type BuildOptions } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildExtension, CRX_FILE, type ExtensionBuildOptions } from '../extension/build';
import { buildPlayer } from './export/player-bundle';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

/** The build's options from flags and environment (only these few; the CLI's own config is scripts/config.ts). */
export function extensionOptions(argv: string[], env: NodeJS.ProcessEnv): ExtensionBuildOptions {
  const flag = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
  };
  const dataDir = path.resolve(flag('data') ?? env.VERBATIM_DATA ?? 'data');
  return {
    keyFile: path.resolve(flag('extension-key') ?? env.VERBATIM_EXTENSION_KEY ?? path.join(dataDir, 'keys', 'extension-signing.pem')),
    baseUrl: flag('extension-url') ?? env.VERBATIM_EXTENSION_URL ?? DEFAULT_EXTENSION_URL,
    collectorUrl: flag('collector-url') ?? env.VERBATIM_COLLECTOR_URL ?? 'https://verbatim.bank.internal:8081',
  };
}

const DEFAULT_EXTENSION_URL = 'https://verbatim.bank.internal/extension/';

export async function buildAll(opts: ExtensionBuildOptions = extensionOptions([], process.env)): Promise<void> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await Promise.all([buildRecorder(), buildViewerUi(), buildCli(), buildPlayer(path.join(dist, 'export'))]);
  // After the recorder: the extension ships that very bundle.
  const ext = await buildExtension(root, dist, opts);
  console.log(`kiosk extension id (Chromium): ${ext.extensionId}  (from ${ext.keyFile}${ext.keyCreated ? ', made now: back it up, never commit it' : ''})`);
  if (ext.keyExposed) console.log(`  WARNING: ${ext.keyFile} is readable by other users: chmod 600 it`);
  console.log(`  force-install: ExtensionInstallForcelist "${ext.extensionId};${ext.updateUrl}"; host dist/extension/update.xml and ${CRX_FILE} there` +
    `${opts.baseUrl === DEFAULT_EXTENSION_URL ? ' (placeholder URL: pass --extension-url)' : ''}; filled-in policies in dist/extension/policies/`);
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
  const ui: BuildOptions = { bundle: true, format: 'iife', minify: true, target: ['chrome100', 'firefox100'], legalComments: 'none', logLevel: 'warning' };
  await Promise.all([
    build({ ...ui, entryPoints: [path.join(root, 'replay-viewer', 'ui', 'app.ts')], outfile: path.join(out, 'app.js') }),
    // A player page's head script (a few KB): asks for its first requests before app.js has arrived (ui/early-requests.ts).
    build({ ...ui, entryPoints: [path.join(root, 'replay-viewer', 'ui', 'early-requests-entry.ts')], outfile: path.join(out, 'early-requests.js') }),
  ]);
  await cp(path.join(root, 'replay-viewer', 'ui', 'static'), out, { recursive: true });
  await cp(path.join(root, 'node_modules', 'rrweb', 'dist', 'style.css'), path.join(out, 'rrweb.css'));
}

async function buildCli(): Promise<void> {
  const node = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' } as const;
  await Promise.all([
    build({ ...node, entryPoints: [path.join(root, 'scripts', 'cli.ts')], outfile: path.join(dist, 'verbatim.js'), banner: { js: '#!/usr/bin/env node' } }),
    // Found beside the CLI by proxy/ingest/ingest-workers.ts.
    build({ ...node, entryPoints: [path.join(root, 'proxy', 'ingest', 'ingest-worker.ts')], outfile: path.join(dist, 'ingest-worker.js') }),
    // Found beside the CLI by replay-viewer/search/worker-applier.ts.
    build({ ...node, entryPoints: [path.join(root, 'replay-viewer', 'search', 'search-worker.ts')], outfile: path.join(dist, 'search-worker.js') }),
    // Found beside the CLI by replay-viewer/search/derived/trust-runner.ts.
    build({ ...node, entryPoints: [path.join(root, 'replay-viewer', 'search', 'derived', 'trust-worker.ts')], outfile: path.join(dist, 'trust-worker.js') }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildAll(extensionOptions(process.argv.slice(2), process.env));
}
