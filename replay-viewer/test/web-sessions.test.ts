/**
 * Signed-in sessions shared by instances (auth/web-sessions.ts), over the embedded store's real shared state (files):
 * two instances with one key accept each other's cookies and sign out together; anything forged, expired or signed
 * with another key is refused; the idle clock is renewed by a new cookie at most once a minute; the shared document
 * drops entries no cookie can outlive.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIGNOUTS_DOCUMENT, WebSessions, loadWebSessionKey } from '../auth/web-sessions';
import { FileSharedState } from '../../store/files/file-shared-state';

describe('web sessions shared by instances', () => {
  let dir: string;
  let key: Buffer;
  let clock = Date.UTC(2026, 11, 6, 9);
  const now = () => clock;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-web-sessions-'));
    key = await loadWebSessionKey(path.join(dir, 'keys'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const instance = (opts: { key?: Buffer } = {}) => new WebSessions({ key: opts.key ?? key, state: new FileSharedState(path.join(dir, 'data')), now });

  it('keeps one 32-byte key, 0600, and the same one for every instance that loads it', async () => {
    assert.equal(key.length, 32);
    assert.deepEqual(await loadWebSessionKey(path.join(dir, 'keys')), key);
    assert.equal((await stat(path.join(dir, 'keys', 'viewer-session.key'))).mode & 0o777, 0o600);
  });

  it('accepts a cookie another instance issued, with the same CSRF token; refuses forgeries and other keys', async () => {
    const [a, b] = [instance(), instance()];
    const s = a.create('alice');
    const seen = b.get(s.token)!;
    assert.deepEqual([seen.id, seen.user, seen.csrf, seen.createdAt], [s.id, 'alice', s.csrf, s.createdAt]);
    const [payload, mac] = s.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, u: 'admin' })).toString('base64url');
    for (const bad of [`${forged}.${mac}`, `${payload}.${mac!.slice(1)}x`, `${payload}`, '', 'x'.repeat(5000), `${payload}.${mac}.`]) {
      assert.equal(b.get(bad), undefined, bad.slice(0, 40));
    }
    assert.equal(instance({ key: Buffer.alloc(32, 7) }).get(s.token), undefined, 'another key');
  });

  it('times out when idle or too old, and renews the idle clock by a new cookie at most once a minute', () => {
    const a = instance();
    const s = a.create('bob');
    clock += 30_000;
    assert.equal(a.get(s.token)?.renewed, undefined, 'under a minute: no new cookie');
    clock += 40_000;
    const renewed = a.get(s.token)!.renewed!;
    assert.ok(renewed);
    clock += 29 * 60_000;
    assert.equal(a.get(s.token), undefined, 'the old cookie is 30 min idle');
    const kept = a.get(renewed)!;
    assert.equal(kept.id, s.id);
    let token = renewed;
    for (let i = 0; i < 24; i++) {
      clock += 29 * 60_000;
      token = a.get(token)?.renewed ?? token;
    }
    assert.equal(a.get(token), undefined, 'over 12 h since sign-in, however active');
  });

  it('ends one session or every session of a user on both instances; the document forgets what no cookie outlives', async () => {
    const [a, b] = [instance(), instance()];
    const [s1, s2, s3] = [a.create('carol'), a.create('carol'), a.create('dave')];
    await b.destroy(s1.id);
    await a.refresh(true);
    assert.deepEqual([a.get(s1.token), !!a.get(s2.token), !!a.get(s3.token)], [undefined, true, true]);
    await b.destroyUser('carol');
    await a.refresh(true);
    assert.deepEqual([a.get(s2.token), !!a.get(s3.token)], [undefined, true]);
    clock += 1;
    assert.ok(a.get(a.create('carol').token), 'a sign-in after it is a new session');

    clock += 13 * 3_600_000;
    await a.destroy(a.create('erin').id);
    const doc = JSON.parse(await readFile(path.join(dir, 'data', `${SIGNOUTS_DOCUMENT}.json`), 'utf8')) as unknown;
    const text = JSON.stringify(doc);
    assert.ok(!text.includes(s1.id) && !text.includes('carol'), `pruned: ${text.slice(0, 300)}`);
  });
});
