/**
 * The long-job progress line: unit rules with a fake clock, then the real CLI
 * under a pseudo-terminal (util-linux `script`) with stdout sent to a file, to
 * show the progress goes to the terminal and never into the command's output.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { LevelStore } from '../store/level/level-store';
import { describe as describeProgress, startProgress } from './progress';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

function fakeStream(isTTY: boolean, columns = 200) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => writes.push(s) } };
}

describe('progress reporter', () => {
  it('on a terminal rewrites one line (at most ten times a second), always draws the last step, and clears it at the end', () => {
    let t = 0;
    const { writes, stream } = fakeStream(true);
    const p = startProgress('verify', { stream, now: () => t });
    p.update(0, 1000, 'chains');
    t = 50; p.update(10, 1000, 'chains'); // within 100 ms: skipped
    t = 2_000; p.update(200, 1000, 'chains');
    t = 2_010; p.update(1000, 1000, 'chains'); // finished: drawn at once
    p.end();
    assert.deepEqual(writes, [
      '\rverify chains: 0/1,000 (0%), 0 s\x1b[K',
      '\rverify chains: 200/1,000 (20%), 2 s, about 8 s left\x1b[K',
      '\rverify chains: 1,000/1,000 (100%), 2 s\x1b[K',
      '\r\x1b[K',
    ]);
    assert.ok(writes.every((w) => !w.includes('\n')), 'no new lines on a terminal');
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const { writes, stream } = fakeStream(true, 30);
    const p = startProgress('export', { stream, now: () => 0 });
    p.update(5, 123_456, 'a stage with a long name');
    assert.equal(writes[0], `\r${'export a stage with a long name: 5/123,456 (0%), 0 s'.slice(0, 29)}\x1b[K`);
  });

  it('elsewhere writes a plain line every interval, none for a job shorter than that', () => {
    let t = 0;
    const { writes, stream } = fakeStream(false);
    const p = startProgress('expire', { stream, now: () => t, intervalMs: 5_000 });
    for (t = 0; t < 4_900; t += 100) p.update(t / 100, 500, 'sessions');
    assert.deepEqual(writes, [], 'nothing in the first five seconds');
    for (; t <= 12_000; t += 100) p.update(t / 100, 500, 'sessions');
    p.end();
    assert.deepEqual(writes, [
      'expire sessions: 50/500 (10%), 5 s, about 45 s left\n',
      'expire sessions: 100/500 (20%), 10 s, about 40 s left\n',
    ]);
  });

  it('starts the estimate again for each stage, shows a bare count when the total is unknown, and can be off', () => {
    assert.equal(describeProgress('verify', 'captures', 25_000, 0, 12_000, 3_000), 'verify captures: 25,000, 12 s');
    assert.equal(describeProgress('verify', 'blobs', 10, 100, 70_000, 500), 'verify blobs: 10/100 (10%), 1 min 10 s', 'no estimate in the first second of a stage');
    assert.equal(describeProgress('verify', 'blobs', 10, 100, 70_000, 2_000), 'verify blobs: 10/100 (10%), 1 min 10 s, about 18 s left');
    assert.equal(describeProgress('migrate', undefined, 1, 4, 3_600_000, 3_600_000), 'migrate: 1/4 (25%), 1 h 0 min, about 3 h 0 min left');
    const { writes, stream } = fakeStream(true);
    const off = startProgress('verify', { stream, enabled: false });
    off.update(1, 2);
    off.end();
    assert.deepEqual(writes, []);
  });
});

describe('progress of the real CLI', () => {
  let dir: string;
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('shows verify and expire on the terminal (stderr) while stdout holds only the result', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-progress-'));
    const keysDir = path.join(dir, 'keys');
    const store = new LevelStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
    await store.open();
    for (let i = 0; i < 30; i += 1) await store.createSession({ id: `progress${String(i).padStart(17, '0')}`, channel: 'proxy', startedAt: 1_600_000_000_000 + i });
    await store.close();

    const cli = `node --import tsx ${JSON.stringify(path.join(root, 'scripts', 'cli.ts'))}`;
    // `script` gives the command a pseudo-terminal; stdout goes to a file, so only stderr reaches the terminal.
    const onTerminal = async (args: string, outFile: string): Promise<string> => {
      const command = `${cli} ${args} --data ${JSON.stringify(dir)} > ${JSON.stringify(outFile)}`;
      const { stdout } = await run('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: root, env: { ...process.env, TERM: 'dumb' } });
      return stdout;
    };
    const verifyTerminal = await onTerminal('verify', path.join(dir, 'verify.out'));
    assert.match(verifyTerminal, /\rverify chains: 30\/30 \(100%\), \d+ s\x1b\[K/, `an updating line on the terminal: ${JSON.stringify(verifyTerminal)}`);
    assert.match(verifyTerminal, /\r\x1b\[K/, 'cleared at the end');
    const verifyOut = await readFile(path.join(dir, 'verify.out'), 'utf8');
    assert.match(verifyOut, /^OK: store .* verifies\. 30 chains/);
    assert.doesNotMatch(verifyOut, /\r|\x1b|verify chains/, 'no progress in the command\'s output');

    const expireTerminal = await onTerminal('expire --retention-days 1', path.join(dir, 'expire.out'));
    assert.match(expireTerminal, /\rexpire sessions: 30\/30 \(100%\)/);
    assert.equal(await readFile(path.join(dir, 'expire.out'), 'utf8'), 'expired 30 sessions (proxy 1 day, gateway 1 day, kiosk 1 day); 0 kept under legal hold\n');

    // Not a terminal, and shorter than the interval: stderr stays empty.
    const piped = await run('node', ['--import', 'tsx', path.join(root, 'scripts', 'cli.ts'), 'verify', '--data', dir], { cwd: root });
    assert.match(piped.stdout, /^OK: store /m);
    assert.equal(piped.stderr, '');
  });
});
