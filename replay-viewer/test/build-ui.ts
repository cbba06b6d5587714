/** Builds the viewer UI the way scripts/build.ts does (buildViewerUi), into a directory of the test's choosing. */
import { build } from 'esbuild';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function buildViewerUi(out: string): Promise<void> {
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

/** rrweb's recorder as a page script that collects events into `window.__rrwebEvents`. */
export async function buildTestRecorder(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { record } from '@rrweb/record';
        window.__rrwebEvents = [];
        record({ emit(event) { window.__rrwebEvents.push(event); } });`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    write: false,
    target: ['chrome100'],
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}
