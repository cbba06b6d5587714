/**
 * What `verbatim status` and GET /api/status rest on: the run file and the loopback status endpoint (token
 * required), the command's exit codes, and the viewer route's roles (admin and auditor only).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../replay-viewer/auth/index';
import { startViewer, type Viewer } from '../replay-viewer/server';
import { openStore } from '../store/index';
import type { LevelStore } from '../store/level/level-store';
import { loadConfig } from './config';
import { RUN_FILE, STATUS_PATH, publishStatus, statusCommand, statusSnapshot, type StatusMount } from './status';

const PASSWORD = 'correct horse battery';
const ROLES: Role[] = ['agent', 'analyst', 'compliance', 'admin', 'auditor'];
const stats = { captured: 5, failed: 2, truncated: 1, dropped: 0, uploadsStored: 3, uploadsFailed: 4, uploadsAnsweredLate: 2, sessionsFailed: 1, notBrowserPages: 6 };

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let published: Awaited<ReturnType<typeof publishStatus>>;
const cookies = new Map<Role, string>();

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-status-'));
  store = await openStore(path.join(dir, 'store'));
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const role of ROLES) await accounts.add(role, role, PASSWORD);
  const access = new ViewerAccess({ accounts, audit: await AuditLog.open(path.join(dir, 'audit.log')) });
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  let mount: StatusMount | undefined;
  const status = () => statusSnapshot(store, stats, Date.now() - 1_000);
  viewer = await startViewer({
    store, uiDir: path.join(dir, 'ui'), access, status,
    statusProbe: { handle: (req, res, p) => mount!.handle(req, res, p) },
  });
  published = await publishStatus(dir, viewer.url, status, (err) => { throw err; });
  mount = published.mount;
  for (const role of ROLES) {
    const res = await fetch(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: PASSWORD }) });
    assert.equal(res.status, 200);
    cookies.set(role, res.headers.get('set-cookie')!.split(';')[0]!);
  }
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('status', () => {
  it('GET /api/status answers admin and auditor only', async () => {
    for (const role of ROLES) {
      const res = await fetch(`${viewer.url}/api/status`, { headers: { cookie: cookies.get(role)! } });
      const allowed = role === 'admin' || role === 'auditor';
      assert.equal(res.status, allowed ? 200 : 403, role);
      if (allowed) {
        const body = await res.json() as ReturnType<typeof statusSnapshot>;
        assert.deepEqual(body.store, { state: 'open' });
        assert.deepEqual(body.captures, { stored: 5, dropped: 2, bodiesWithheld: 0, truncated: 1 });
        assert.deepEqual(body.uploads, { stored: 3, refused: 4, answeredLate: 2 });
      }
    }
    assert.equal((await fetch(`${viewer.url}/api/status`)).status, 401, 'not signed in');
  });

  it('the loopback endpoint needs the token from the run file (0600, fixed size)', async () => {
    const file = path.join(dir, RUN_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(file)).size, 1024);
    const run = JSON.parse(await readFile(file, 'utf8')) as { token: string; url: string };
    assert.equal((await fetch(`${run.url}${STATUS_PATH}`)).status, 401);
    assert.equal((await fetch(`${run.url}${STATUS_PATH}`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    const ok = await fetch(`${run.url}${STATUS_PATH}`, { headers: { authorization: `Bearer ${run.token}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { sessions: { failed: number } }).sessions, { failed: 1, notStarted: 6 });
  });

  it('verbatim status: 0 while writable, 3 once stopped (the run file is overwritten in place, not removed)', async () => {
    const config = loadConfig(['status', '--data', dir], {});
    let out = '';
    assert.equal(await statusCommand(config, (t) => { out += t; }), 0);
    assert.match(out, /store:\s+open/);
    assert.match(out, /2 dropped \(could not be stored\)/);
    await published.remove();
    assert.equal((await stat(path.join(dir, RUN_FILE))).size, 1024, 'kept, with its block');
    out = '';
    assert.equal(await statusCommand(config, (t) => { out += t; }), 3);
    assert.match(out, /stopped cleanly/);
  });
});
