/**
 * `npm test`: every *.test.ts in the repo, one summary.
 *
 * Two lanes run side by side, each one file at a time (scripts/test-lanes.ts sorts the files):
 * - the browser lane: files that drive Chromium (found by what they import). Pixel comparisons and timing rules
 *   must not compete with another browser, so never two of them at once;
 * - the quiet lane: everything else (unit tests, store contract suites on LevelDB, PostgreSQL and RGW).
 * The browser lane mostly waits (page loads, recorder flushes, replays), so on 2 cores the quiet lane fits in its
 * gaps. A file can name its lane (`@test-lane quiet|alone`, see test-lanes.ts). Then the drills (test/drills/:
 * kill -9, full disk, load balancer) and the files that write a machine-wide Chromium policy run alone: loss
 * windows depend on the process getting the CPU, and a policy reaches every browser. `VERBATIM_TEST_LANES=1` runs
 * every file one at a time. The browser lane streams to the terminal; the quiet lane's report follows it, then the
 * last group's.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testLanes } from './test-lanes';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', 'data', '.git', '.tmp']);

async function find(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await find(full));
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out;
}

/** Enough for a few failures' assertion messages and stacks; a run with more is broken anyway. */
const FAILURE_LINES = 400;

/**
 * Runs `files` in one node:test process; its report goes to `out` (the terminal when undefined). The spec reporter's
 * "failing tests" section (each failure's assertion and stack) is kept in `failures`: reprinted at the very end, so a
 * CI log cut to its tail still says what failed and why.
 */
function runLane(files: string[], failures: string[], out?: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', '--test-reporter=spec', ...files], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sink = out ? createWriteStream(out) : undefined;
    let tail = '';
    let failing = false;
    child.stdout!.setEncoding('utf8');
    const keep = (chunk: string) => {
      if (sink) sink.write(chunk);
      else process.stdout.write(chunk);
      // Scan whole lines only; the section runs from its heading to the end of the report.
      tail += chunk;
      const lines = tail.split('\n');
      tail = lines.pop()!;
      for (const line of lines) {
        if (!failing && /^\S*\s*failing tests:/u.test(line.replace(/\x1b\[[0-9;]*m/gu, ''))) failing = true;
        if (failing && failures.length < FAILURE_LINES) failures.push(line);
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', (chunk: Buffer) => (sink ? sink.write(chunk) : process.stderr.write(chunk)));
    child.on('close', (code, signal) => {
      sink?.end();
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const filter = process.argv.slice(2);
const files = (await find(root)).filter((f) => !filter.length || filter.some((p) => f.includes(p))).sort();
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}

const started = Date.now();
if (process.env.VERBATIM_TEST_LANES === '1') process.exit(await runLane(files, []));
const { browser, quiet, alone } = await testLanes(root, files);
const failed: string[] = [];
const failures: string[] = [];
if (browser.length && quiet.length) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'verbatim-test-lanes-'));
  const quietLog = path.join(tmp, 'quiet.log');
  console.log(`browser lane: ${browser.length} files; quiet lane: ${quiet.length} files (its report follows); then ${alone.length} alone`);
  // Each lane's failures apart: the two run at once, and their sections must not interleave.
  const quietFailures: string[] = [];
  const [browserCode, quietCode] = await Promise.all([runLane(browser, failures), runLane(quiet, quietFailures, quietLog)]);
  failures.push(...quietFailures);
  console.log(`\n── quiet lane (${quiet.length} files) ──`);
  process.stdout.write(await readFile(quietLog));
  await rm(tmp, { recursive: true, force: true });
  if (browserCode) failed.push('browser lane');
  if (quietCode) failed.push('quiet lane');
} else if (browser.length + quiet.length && await runLane([...browser, ...quiet], failures)) {
  failed.push('tests');
}
if (alone.length) {
  console.log(`\n── alone: drills and machine-wide browser policy (${alone.length} files) ──`);
  if (await runLane(alone, failures)) failed.push('alone (drills, browser policy)');
}
if (failures.length) console.log(`\n── what failed, as the lanes reported it ──\n${failures.join('\n')}`);
console.log(`\nall tests done in ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
