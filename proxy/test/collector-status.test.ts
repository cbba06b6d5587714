/** Terminal status reports (POST /collect/v1/status) and what `verbatim terminals list` shows from them. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { describeTerminal, TerminalRegistry } from '../collector/terminals';
import { startCollectorViewer } from '../../test/helpers/collector-viewer';
import type { Viewer } from '../../replay-viewer/server';

let dir: string;
let store: VerbatimStore;
let viewer: Viewer;
let registry: TerminalRegistry;
let token: string;

const report = (token: string | undefined, body: unknown) => fetch(`${viewer.url}/collect/v1/status`, {
  method: 'POST',
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const REPORT = {
  terminalId: 'kiosk-a', extensionVersion: '0.1.0', configSource: 'policy',
  queue: { items: 12, bytes: 345_678, oldestAt: 1_700_000_000_000 },
  dropped: { items: 0, bytes: 0, events: 0 }, refused: 0, lastUploadAt: 1_699_999_000_000,
  lastError: { at: 1_700_000_100_000, kind: 'config', status: 404, code: 'NOT_FOUND', message: '404 /collect/v1/events: no Verbatim collector at this URL' },
  extra: 'x'.repeat(1000),
};

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-terminal-status-'));
  store = await openStore(path.join(dir, 'store'));
  registry = new TerminalRegistry(path.join(dir, 'terminals.json'));
  token = await registry.add('kiosk-a');
  await registry.add('kiosk-b');
  viewer = await startCollectorViewer({ store, port: 0, uiDir: path.join(dir, 'ui'), terminals: registry });
});

after(async () => {
  await viewer?.close();
  await registry?.flush().catch(() => undefined);
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('terminal status reports', () => {
  it('stores an authenticated report (known fields only) with the terminal registry, in a 0600 file', async () => {
    const res = await report(token, REPORT);
    assert.equal(res.status, 200);
    await registry.flush();
    const onDisk = JSON.parse(await readFile(registry.statusFile, 'utf8')) as { terminals: Record<string, { report: Record<string, unknown>; lastSeenAt: number }> };
    const a = onDisk.terminals['kiosk-a']!;
    assert.deepEqual(a.report.queue, REPORT.queue);
    assert.equal((a.report.lastError as { status: number }).status, 404);
    assert.equal(a.report.extra, undefined);
    assert.ok(a.lastSeenAt > 0);
    assert.equal((await stat(registry.statusFile)).mode & 0o777, 0o600);
    // A second registry (the CLI, another process) reads what the server wrote.
    const cli = new TerminalRegistry(path.join(dir, 'terminals.json'));
    const statuses = await cli.statusOf();
    const line = describeTerminal((await cli.list()).find((t) => t.id === 'kiosk-a')!, statuses['kiosk-a']);
    assert.match(line, /^kiosk-a\tadded \S+\tlast seen \S+\tqueue 12 items, 345678 bytes, oldest 2023-11-14T22:13:20.000Z/);
    assert.match(line, /\n {2}error 2023-11-14T22:15:00.000Z: 404 \/collect\/v1\/events: no Verbatim collector at this URL$/);
    assert.match(describeTerminal((await cli.list()).find((t) => t.id === 'kiosk-b')!, statuses['kiosk-b']), /last seen never\tqueue not reported$/);
  });

  it('a refused token naming a registered terminal is noted (time only); an unknown id or no token is not', async () => {
    assert.equal((await report('wrong-token', { ...REPORT, terminalId: 'kiosk-b' })).status, 401);
    assert.equal((await report('wrong-token', { ...REPORT, terminalId: 'kiosk-zz' })).status, 401);
    assert.equal((await report(undefined, { ...REPORT, terminalId: 'kiosk-b' })).status, 401);
    const statuses = await registry.statusOf();
    assert.ok(statuses['kiosk-b']?.tokenRefusedAt);
    assert.equal(statuses['kiosk-b']?.report, undefined, 'nothing from an unauthenticated report is kept');
    assert.equal(statuses['kiosk-zz'], undefined);
    assert.match(describeTerminal((await registry.list()).find((t) => t.id === 'kiosk-b')!, statuses['kiosk-b']), /token the collector does not accept/);
  });

  it('refuses a report without a terminal id (400) and answers only POST', async () => {
    assert.equal((await report(token, { queue: {} })).status, 400);
    // The route table declares POST only: another method is told which one it takes.
    const get = await fetch(`${viewer.url}/collect/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });
});
