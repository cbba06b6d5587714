/**
 * Builds the kiosk extension for both browser families (called by scripts/build.ts
 * after the recorder bundle exists):
 *   dist/extension/chromium/, dist/extension/firefox/   unpacked
 *   dist/extension/verbatim-kiosk-chromium.zip, verbatim-kiosk-firefox.xpi
 *   dist/extension/verbatim-kiosk.crx      CRX3 signed with the bank's key (signing-key.ts)
 *   dist/extension/update.xml              the update manifest force-install policies point at
 *   dist/extension/extension-id.txt        the Chromium extension id that key yields
 *   dist/extension/policies/               the policy templates filled in with that id and those URLs
 */
import { build } from 'esbuild';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { crx3, extensionIdOf, publicKeyDer, updateManifest } from './crx';
import { type BrowserFamily, type ChromiumSigning, manifestFor } from './manifest';
import { loadOrCreateSigningKey } from './signing-key';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CRX_FILE = 'verbatim-kiosk.crx';
const XPI_FILE = 'verbatim-kiosk-firefox.xpi';

export interface ExtensionBuildOptions {
  /** The bank's signing key (PEM); made on the first build when missing. */
  keyFile: string;
  /** Where the bank hosts update.xml, the CRX and the XPI (a folder URL ending in /). */
  baseUrl: string;
  /** The Verbatim server's URL as terminals reach it, for the policy templates. */
  collectorUrl: string;
}

export interface ExtensionBuild {
  extensionId: string;
  keyFile: string;
  keyCreated: boolean;
  keyExposed: boolean;
  updateUrl: string;
}

export async function buildExtension(root: string, dist: string, opts: ExtensionBuildOptions): Promise<ExtensionBuild> {
  const out = path.join(dist, 'extension');
  await rm(out, { recursive: true, force: true });
  const version = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const key = await loadOrCreateSigningKey(opts.keyFile);
  const spki = publicKeyDer(key.pem);
  const extensionId = extensionIdOf(spki);
  const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
  const updateUrl = `${base}update.xml`;
  const signing: ChromiumSigning = { publicKey: spki.toString('base64'), updateUrl };
  const [chromiumZip] = await Promise.all([
    buildFamily('chromium', version, dist, out, signing),
    buildFamily('firefox', version, dist, out),
  ]);
  await writeFile(path.join(out, CRX_FILE), crx3(chromiumZip, key.pem));
  await writeFile(path.join(out, 'update.xml'), updateManifest(extensionId, version, `${base}${CRX_FILE}`, '111'));
  await writeFile(path.join(out, 'extension-id.txt'), `${extensionId}\n`);
  await fillPolicies(path.join(out, 'policies'), {
    __EXTENSION_ID__: extensionId, __UPDATE_URL__: updateUrl, __XPI_URL__: `${base}${XPI_FILE}`, __COLLECTOR_URL__: opts.collectorUrl,
  });
  return { extensionId, keyFile: key.file, keyCreated: key.created, keyExposed: key.exposed, updateUrl };
}

/** extension/policies/* with the placeholders replaced: ready for IT to copy. */
async function fillPolicies(out: string, values: Record<string, string>): Promise<void> {
  await mkdir(out, { recursive: true });
  const from = path.join(here, 'policies');
  for (const name of await readdir(from)) {
    let text = await readFile(path.join(from, name), 'utf8');
    for (const [placeholder, value] of Object.entries(values)) text = text.split(placeholder).join(value);
    await writeFile(path.join(out, name), text);
  }
}

/** Builds one family; returns its package (ZIP) bytes. */
async function buildFamily(family: BrowserFamily, version: string, dist: string, out: string, signing?: ChromiumSigning): Promise<Buffer> {
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
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifestFor(family, version, signing), null, 2)}\n`);
  const file = path.join(out, family === 'chromium' ? 'verbatim-kiosk-chromium.zip' : XPI_FILE);
  await packDirectory(dir, file);
  // The CRX signs these very bytes.
  return readFile(file);
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
