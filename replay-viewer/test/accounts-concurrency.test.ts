/**
 * `verbatim users …` beside a running viewer (issue #17, item 3): accounts added from the CLI (real processes) and
 * from the API at the same time all survive, the running viewer sees the CLI's users without a restart, and the
 * audit trail both write stays one unbroken chain (no false tamper alarm).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { startViewer, type Viewer } from '../server';

const root = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'concurrency password';
const CLI_USERS = ['cli-a', 'cli-b', 'cli-c', 'cli-d'];
const API_USERS = Array.from({ length: 12 }, (_, i) => `api-${i}`);

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let token: string;
let audit: AuditLog;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-accounts-'));
  store = await openStore(path.join(dir, 'store'));
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  await accounts.add('admin', 'admin', PASSWORD);
  token = (await accounts.createToken('admin', 'test')).token;
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Verbatim</title>');
  viewer = await startViewer({ store, uiDir: dir, access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }) });
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `verbatim users <args>` as its own process, the password on stdin. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'users', ...args, '--data', dir], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(`${PASSWORD}\n`);
  });
}

const api = (method: string, url: string, body?: unknown) => fetch(`${viewer.url}${url}`, {
  method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
  body: body ? JSON.stringify(body) : undefined,
});

it('keeps every account added from the CLI and the API at the same time, in one unbroken audit trail', async () => {
  const before = (await audit.verify()).entries;
  const [cliResults, apiResults] = await Promise.all([
    Promise.all(CLI_USERS.map((name) => cli(['add', name, '--role', 'analyst']))),
    Promise.all(API_USERS.map((name) => api('POST', '/api/users', { name, role: 'agent', password: PASSWORD }))),
  ]);
  for (const r of cliResults) assert.equal(r.code, 0, r.out);
  for (const r of apiResults) assert.equal(r.status, 201, await r.text());

  const listed = (await (await api('GET', '/api/users')).json()) as { users: { name: string; role: string }[] };
  assert.deepEqual(listed.users.map((u) => u.name).sort(), ['admin', ...API_USERS, ...CLI_USERS].sort());
  const onDisk = JSON.parse(await readFile(path.join(dir, 'viewer-accounts.json'), 'utf8')) as { accounts: { name: string }[] };
  assert.equal(onDisk.accounts.length, 1 + API_USERS.length + CLI_USERS.length);

  // The running viewer signs in a user the CLI added.
  const signIn = await fetch(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: viewer.url }, body: JSON.stringify({ username: 'cli-c', password: PASSWORD }) });
  assert.equal(signIn.status, 200);

  const verified = await audit.verify();
  assert.deepEqual(verified, { ok: true, entries: verified.entries });
  const entries = await audit.query();
  const seqs = entries.map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no sequence number twice');
  const added = entries.filter((e) => e.target?.startsWith('user:') && e.outcome === 'ok' && (e.details?.change === 'user-added' || e.target.startsWith('user:api-')));
  assert.ok(added.length >= CLI_USERS.length + API_USERS.length, `${added.length} user additions audited`);
  assert.ok(verified.entries >= before + CLI_USERS.length + API_USERS.length);
});

it('removing from the CLI while the viewer changes roles loses neither change', async () => {
  const [removed, roles] = await Promise.all([
    Promise.all(['cli-a', 'api-0'].map((name) => cli(['remove', name]))),
    Promise.all(['api-1', 'api-2', 'cli-b'].map((name) => api('POST', `/api/users/${name}/role`, { role: 'compliance' }))),
  ]);
  for (const r of removed) assert.equal(r.code, 0, r.out);
  for (const r of roles) assert.equal(r.status, 200, await r.text());
  const listed = (await (await api('GET', '/api/users')).json()) as { users: { name: string; role: string }[] };
  const byName = new Map(listed.users.map((u) => [u.name, u.role]));
  assert.equal(byName.has('cli-a'), false);
  assert.equal(byName.has('api-0'), false);
  for (const name of ['api-1', 'api-2', 'cli-b']) assert.equal(byName.get(name), 'compliance', name);
  assert.equal((await audit.verify()).ok, true);
});
