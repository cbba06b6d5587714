/**
 * Open mode (no accounts, loopback only) has no credential between a web page and
 * the viewer: a foreign Host (DNS rebinding) is refused, and state changes need the
 * same origin and the open-mode CSRF token, as signed-in state changes do.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { startViewer, type Viewer } from '../server';
import { rawRequest } from './http-client';

const SID = 'o2hx7k4m5n6p7r8s9t2v3w4x5y';
let dir: string;
let store: LevelStore;
let open: Viewer;
let bare: Viewer;
let named: Viewer;
let accounts: AccountStore;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-open-'));
  store = await openStore(path.join(dir, 'store'));
  await store.createSession({ id: SID, channel: 'proxy', startedAt: 1_700_000_000_000 });
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  open = await startViewer({ store, uiDir: path.join(dir, 'ui'), access: new ViewerAccess({ accounts, audit }) });
  bare = await startViewer({ store, uiDir: path.join(dir, 'ui') });
  // Signed-in mode with the names a bank gives the viewer.
  const named2 = await AccountStore.open(path.join(dir, 'named-accounts.json'));
  await named2.add('analyst', 'analyst', 'a long enough password');
  named = await startViewer({ store, uiDir: path.join(dir, 'ui'), access: new ViewerAccess({ accounts: named2, audit }), allowedHosts: ['verbatim.bank.example'] });
});

after(async () => {
  await Promise.all([open?.close(), bare?.close(), named?.close()]);
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const portOf = (v: Viewer) => new URL(v.url).port;

describe('Host header', () => {
  it('refuses a foreign Host (DNS rebinding), with and without the access layer', async () => {
    for (const v of [open, bare]) {
      const port = portOf(v);
      const rebound = await rawRequest(`${v.url}/api/sessions`, { headers: { host: `evil.example:${port}`, 'sec-fetch-site': 'same-origin' } });
      assert.equal(rebound.status, 421, rebound.text);
      assert.equal(rebound.json().error.code, 'HOST_NOT_ALLOWED');
      assert.doesNotMatch(rebound.text, new RegExp(SID));
      assert.equal((await rawRequest(`${v.url}/api/sessions`, { headers: { host: `127.0.0.1:${port}` } })).status, 200);
      assert.equal((await rawRequest(`${v.url}/api/sessions`, { headers: { host: `localhost:${port}` } })).status, 200);
      assert.equal((await rawRequest(`${v.url}/api/sessions`, { headers: { host: `127.0.0.1:${Number(port) + 1}` } })).status, 421, 'another port');
    }
  });

  it('answers the names it is given when signed-in mode names them', async () => {
    const port = portOf(named);
    assert.equal((await rawRequest(`${named.url}/signin`, { headers: { host: `verbatim.bank.example:${port}` } })).status, 200);
    assert.equal((await rawRequest(`${named.url}/signin`, { headers: { host: `evil.example:${port}` } })).status, 421);
  });
});

describe('CSRF in open mode', () => {
  const addAdmin = (headers: Record<string, string>) => rawRequest(`${open.url}/api/users`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: 'intruder', role: 'admin', password: 'a long enough password' }),
  });

  it('refuses a state change from another site', async () => {
    for (const headers of [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site', origin: 'null' }] as Record<string, string>[]) {
      const res = await addAdmin(headers);
      assert.equal(res.status, 403, res.text);
      assert.equal(res.json().error.code, 'CSRF');
    }
    assert.equal(accounts.size, 0, 'no account was created');
  });

  it('refuses a same-origin state change without the open-mode token, accepts it with the token', async () => {
    const without = await addAdmin({ 'sec-fetch-site': 'same-origin' });
    assert.equal(without.status, 403, without.text);
    assert.equal(accounts.size, 0);
    const me = (await rawRequest(`${open.url}/api/me`)).json<{ open: boolean; csrf: string }>();
    assert.equal(me.open, true);
    assert.ok(me.csrf);
    const withToken = await addAdmin({ 'sec-fetch-site': 'same-origin', 'x-verbatim-csrf': me.csrf });
    assert.equal(withToken.status, 201, withToken.text);
    assert.equal(accounts.size, 1);
  });
});
