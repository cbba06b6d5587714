/**
 * Per-account preferences over the real viewer: each user reads and changes only their own columns, a change is
 * audited, bad input is refused with a reason and changes nothing, the file is 0600, and two stores writing at
 * once (two viewer processes) keep each other's users.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess } from '../../auth/index';
import { startViewer, type Viewer } from '../../server';
import { openStore } from '../../../store/index';
import type { LevelStore } from '../../../store/level/level-store';
import { rawRequest } from '../../test/http-client';
import { DEFAULT_LIST_COLUMNS } from '../prefs-shape';
import { PREFS_FILE, UserPrefsStore } from '../user-prefs';
import { FileSharedState } from '../../../store/files/file-shared-state';

const PASSWORD = 'prefs test password';
let dir: string;
let store: LevelStore;
let audit: AuditLog;
let viewer: Viewer;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-prefs-'));
  store = await openStore(path.join(dir, 'store'));
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  await accounts.add('ana', 'analyst', PASSWORD);
  await accounts.add('agnes', 'agent', PASSWORD);
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  viewer = await startViewer({ store, uiDir: dir, access: new ViewerAccess({ accounts, audit }) });
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function signIn(user: string): Promise<Record<string, string>> {
  const r = await rawRequest(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
  assert.equal(r.status, 200);
  return { cookie: String(r.headers['set-cookie']).split(';')[0]!, 'x-verbatim-csrf': r.json<{ csrf: string }>().csrf, origin: viewer.url };
}

const put = (headers: Record<string, string>, body: string) =>
  rawRequest(`${viewer.url}/api/me/prefs`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body });

it('keeps each user\'s columns apart, audited, and refuses unknown columns', async () => {
  const ana = await signIn('ana');
  const agnes = await signIn('agnes');
  const first = await rawRequest(`${viewer.url}/api/me/prefs`, { headers: ana });
  assert.deepEqual(first.json(), { listColumns: DEFAULT_LIST_COLUMNS });

  const changed = await put(ana, JSON.stringify({ listColumns: ['score', 'duration', 'score'] }));
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.json(), { listColumns: ['start', 'duration', 'score'] });
  assert.deepEqual((await rawRequest(`${viewer.url}/api/me/prefs`, { headers: ana })).json(), { listColumns: ['start', 'duration', 'score'] });
  assert.deepEqual((await rawRequest(`${viewer.url}/api/me/prefs`, { headers: agnes })).json(), { listColumns: DEFAULT_LIST_COLUMNS });

  const bad = await put(ana, JSON.stringify({ listColumns: ['score', '<img>'] }));
  assert.equal(bad.status, 400);
  assert.match(bad.text, /unknown column <img>/);
  assert.deepEqual((await rawRequest(`${viewer.url}/api/me/prefs`, { headers: ana })).json(), { listColumns: ['start', 'duration', 'score'] });
  assert.equal((await put({ ...ana, 'x-verbatim-csrf': 'wrong' }, JSON.stringify({ listColumns: [] }))).status, 403);

  // Newest first.
  const entries = (await audit.query({ action: 'prefs' })).filter((e) => e.action === 'prefs');
  assert.deepEqual(entries.map((e) => [e.actor, e.outcome, e.details?.listColumns ?? e.details?.error]), [['ana', 'failed', 'BAD_REQUEST'], ['ana', 'ok', 'start,duration,score']]);
  const file = path.join(dir, PREFS_FILE);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { users: { ana: { listColumns: ['start', 'duration', 'score'] } } });
});

it('loses no user\'s change when two processes write at once', async () => {
  const file = path.join(dir, 'concurrent', PREFS_FILE);
  // Two processes: each its own view of the data directory's files.
  const a = new UserPrefsStore(new FileSharedState(path.dirname(file)));
  const b = new UserPrefsStore(new FileSharedState(path.dirname(file)));
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set(`user-${i}`, { listColumns: ['start', i % 3 ? 'score' : 'errors'] })));
  const all = JSON.parse(await readFile(file, 'utf8')) as { users: Record<string, unknown> };
  assert.equal(Object.keys(all.users).length, 20);
  assert.deepEqual(await a.get('user-3'), { listColumns: ['start', 'errors'] });
});
