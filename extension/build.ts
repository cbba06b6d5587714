/**
 * Builds the kiosk extension for both browser families (called by scripts/build.ts
 * after the recorder bundle exists):
 *   dist/extension/chromium/, dist/extension/firefox/   unpacked
 *   dist/extension/verbatim-kiosk-chromium.zip, verbatim-kiosk-firefox.xpi
 */
import { build } from 'esbuild';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { type BrowserFamily, manifestFor } from './manifest';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function buildExtension(root: string, dist: string): Promise<void> {
  const out = path.join(dist, 'extension');
  await rm(out, { recursive: true, force: true });
  const version = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  await Promise.all((['chromium', 'firefox'] as const).map((family) => buildFamily(family, version, dist, out)));
}

async function buildFamily(family: BrowserFamily, version: string, dist: string, out: string): Promise<void> {
  const dir = path.join(out, family);
  await mkdir(dir, { recursive: true });
  await build({
    entryPoints: ['background', 'isolated', 'main-world', 'options'].map((n) => path.join(here, 'src', `${n}.ts`)),
    outdir: dir,
    bundle: true,
    format: 'iife',
    minify: true,
    target: family === 'chromium' ? ['chrome111'] : ['firefox128'],
    define: { __VERBATIM_BROWSER__: JSON.stringify(family) },
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The very bundle the proxy serves.
  await copyFile(path.join(dist, 'recorder', 'recorder.js'), path.join(dir, 'recorder.js'));
  await copyFile(path.join(here, 'static', 'options.html'), path.join(dir, 'options.html'));
  await copyFile(path.join(here, 'managed-schema.json'), path.join(dir, 'managed-schema.json'));
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifestFor(family, version), null, 2)}\n`);
  const file = family === 'chromium' ? 'verbatim-kiosk-chromium.zip' : 'verbatim-kiosk-firefox.xpi';
  await packDirectory(dir, path.join(out, file));
}

/** One fixed time for every entry: the same files give the same package. */
const PACKAGE_TIME = new Date(Date.UTC(1980, 0, 2));

/** The files at the top of `dir` (the unpacked extension is flat), deflated into a ZIP at `file`, in name order. */
export async function packDirectory(dir: string, file: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const name of (await readdir(dir)).sort()) {
    zip.addFile(path.join(dir, name), name, { mtime: PACKAGE_TIME, mode: 0o100644, compressionLevel: 9 });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}
