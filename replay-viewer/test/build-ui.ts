/** Test builds: the viewer UI (scripts/build.ts itself) and a bare rrweb recorder page script. */
import { build } from 'esbuild';
import { buildViewerUi as buildViewerUiInto } from '../../scripts/build';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The same build as `npm run build`, into a directory of the test's choosing. */
export function buildViewerUi(out: string): Promise<void> {
  return buildViewerUiInto(out);
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
