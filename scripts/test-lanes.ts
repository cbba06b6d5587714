/**
 * Which test files go in the browser lane of `npm test` (scripts/test.ts): those whose imports reach Playwright or
 * scripts/chromium.ts, directly or through helpers; and the drills, which run alone after both lanes. esbuild reads the import graph (no code runs),
 * so a new browser test lands in the right lane without a list to keep up to date.
 *
 * A file can say otherwise in its own text, with the reason beside it:
 * - `@test-lane quiet`: drives Chromium but asserts only on pixels and bytes, never on timing, so a second browser
 *   beside the browser lane cannot fail it (the fidelity runs: the longest files, which kept the browser lane the
 *   whole critical path);
 * - `@test-lane alone`: changes what every Chromium on the machine reads (a managed policy in /etc/chromium), so no
 *   other browser may run meanwhile.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const BROWSER_PACKAGES = new Set(['playwright', 'playwright-core']);
const BROWSER_MODULES = ['scripts/chromium.ts'];
/** Spawn, starve and kill processes and time their losses: they run after both lanes, with the machine to themselves. */
const ALONE_DIRS = ['test/drills/'];

export interface Lanes {
  /** Drive Chromium: one at a time. */
  browser: string[];
  /** Everything else: one at a time, beside the browser lane. */
  quiet: string[];
  /** Run after both lanes, alone. */
  alone: string[];
}

export async function testLanes(root: string, files: string[]): Promise<Lanes> {
  const result = await build({
    absWorkingDir: root, entryPoints: files, bundle: true, platform: 'node', format: 'esm', packages: 'external',
    write: false, metafile: true, outdir: path.join(root, '.tmp', 'test-lanes'), logLevel: 'silent',
  });
  const browserFiles = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const usesBrowser = output.imports.some((i) => i.external && BROWSER_PACKAGES.has(i.path.split('/')[0]!))
      || Object.keys(output.inputs).some((input) => BROWSER_MODULES.includes(input));
    if (usesBrowser) browserFiles.add(output.entryPoint);
  }
  const said = (f: string): string | undefined => /@test-lane (quiet|alone)\b/.exec(readFileSync(path.join(root, f), 'utf8').slice(0, 4096))?.[1];
  const alone = files.filter((f) => ALONE_DIRS.some((d) => f.startsWith(d)) || said(f) === 'alone');
  const browser = files.filter((f) => browserFiles.has(f) && !alone.includes(f) && said(f) !== 'quiet');
  return { browser, alone, quiet: files.filter((f) => !browser.includes(f) && !alone.includes(f)) };
}
