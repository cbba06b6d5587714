/**
 * Sign-in under attack: concurrent guesses cannot outrun the throttle, a throttled
 * real account answers exactly like a made-up name (no user enumeration, same
 * timing), one address guessing across names is slowed, a stranger cannot lock
 * `admin` out, and deeply nested JSON bodies are a 400, not a 500.
 * Clients are told apart by their address: requests leave from 127.0.0.x.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, SignInThrottle, ViewerAccess } from '../auth/index';
import { CollectorRoutes } from '../../proxy/collector/routes';
import { TerminalRegistry } from '../../proxy/collector/terminals';
import { IngestPipeline } from '../../proxy/ingest/pipeline';
import { DEFAULT_POLICY } from '../../proxy/masking/index';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { startViewer, type Viewer } from '../server';
import { rawRequest, type RawResponse } from './http-client';

const PASSWORD = 'correct horse battery';
let dir: string;
let store: LevelStore;
let viewer: Viewer;
let terminalToken: string;
let now = Date.now();

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-signin-'));
  store = await openStore(path.join(dir, 'store'));
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'), { now: () => now });
  for (const name of ['admin', 'conc', 'victim', 'timing']) await accounts.add(name, name === 'admin' ? 'admin' : 'analyst', PASSWORD);
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  const access = new ViewerAccess({ accounts, audit, throttle: new SignInThrottle({ now: () => now }) });
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  const terminals = new TerminalRegistry(path.join(dir, 'terminals.json'));
  terminalToken = await terminals.add('kiosk-1');
  viewer = await startViewer({ store, uiDir: path.join(dir, 'ui'), access, collector: new CollectorRoutes(new IngestPipeline({ store, masking: DEFAULT_POLICY, worker: false }), { terminals }) });
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

function signIn(username: unknown, password: string, from: string): Promise<RawResponse> {
  return rawRequest(`${viewer.url}/auth/login`, {
    method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
}

/** What a client can see of an answer: status, code, message, Retry-After. */
function visible(r: RawResponse): string {
  const body = r.json<{ error?: { code: string; message: string } }>();
  return `${r.status} ${body.error?.code} ${body.error?.message} retry-after=${r.headers['retry-after'] ?? '-'}`;
}

describe('sign-in throttle', () => {
  it('20 concurrent wrong passwords get no more than 5 password checks', async (t) => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn('conc', `wrong password ${i}`, '127.0.0.2')));
    const checked = answers.filter((r) => r.status !== 429).length;
    t.diagnostic(`attempts checked under concurrency: ${checked} of 20`);
    assert.ok(answers.every((r) => r.status === 401 || r.status === 429), answers.map((r) => r.status).join(' '));
    assert.ok(checked <= 5, `${checked} of 20 concurrent attempts had their password checked`);
  });

  it('a real account being guessed at answers exactly like a name that does not exist', async () => {
    const real: string[] = [];
    const made: string[] = [];
    for (let i = 0; i < 8; i++) {
      real.push(visible(await signIn('victim', 'wrong password!!', '127.0.0.3')));
      made.push(visible(await signIn('nobody-here', 'wrong password!!', '127.0.0.4')));
    }
    assert.deepEqual(real, made);
    assert.match(real[7]!, /^429 THROTTLED/, 'guessing is slowed down for both');
  });

  it('one address trying many names is slowed down', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signIn(`name-${i}`, 'wrong password!!', '127.0.0.5')).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.deepEqual(statuses.slice(10), [429, 429]);
  });

  it('a stranger guessing at admin cannot lock the real admin out', async () => {
    let longestWait = 0;
    for (let i = 0; i < 40; i++) {
      const r = await signIn('admin', `guess ${i} of the password`, '127.0.0.6');
      if (r.status !== 429) continue;
      const wait = Number(r.headers['retry-after']);
      longestWait = Math.max(longestWait, wait);
      now += wait * 1000;
    }
    // The guessing address itself backs off far longer than the account's minute.
    assert.ok(longestWait > 60, `longest wait ${longestWait} s`);
    // However long the guessing went on, the account waits at most a minute.
    now += 60_000;
    const real = await signIn('admin', PASSWORD, '127.0.0.7');
    assert.equal(real.status, 200, real.text);
  });

  it('an unknown user name costs the same time as a wrong password', async (t) => {
    const time = async (name: string): Promise<number> => {
      const start = process.hrtime.bigint();
      const r = await signIn(name, 'wrong password!!', '127.0.0.8');
      assert.equal(r.status, 401);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    // Paired and interleaved in alternating order (the machine's load drifts), each pair on a fresh throttle window.
    const pairs: [number, number][] = [];
    for (let i = 0; i < 31; i++) {
      const unknownFirst = i % 2 === 0;
      const a = await time(unknownFirst ? `unknown-${i}` : 'timing');
      const b = await time(unknownFirst ? 'timing' : `unknown-${i}`);
      pairs.push(unknownFirst ? [a, b] : [b, a]);
      now += 16 * 60_000;
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
    const unknown = median(pairs.map((p) => p[0]));
    const wrong = median(pairs.map((p) => p[1]));
    const difference = median(pairs.map(([u, w]) => u - w));
    t.diagnostic(`median sign-in time: unknown user ${unknown.toFixed(1)} ms, wrong password ${wrong.toFixed(1)} ms; median paired difference ${difference.toFixed(1)} ms`);
    assert.ok(Math.abs(difference) < 0.25 * Math.min(unknown, wrong), `paired difference ${difference.toFixed(1)} ms`);
  });
});

describe('nested JSON bodies', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('sign-in answers 400, not 500', async () => {
    const r = await rawRequest(`${viewer.url}/auth/login`, {
      method: 'POST', localAddress: '127.0.0.9', headers: { 'content-type': 'application/json' }, body: `{"username":${deep(5000)},"password":"x"}`,
    });
    assert.equal(r.status, 400, r.text);
  });

  it('user administration answers 400, not 500', async () => {
    now += 16 * 60_000;
    const login = await signIn('admin', PASSWORD, '127.0.0.10');
    assert.equal(login.status, 200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const { csrf } = login.json<{ csrf: string }>();
    const r = await rawRequest(`${viewer.url}/api/users`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-verbatim-csrf': csrf },
      body: `{"name":${deep(5000)},"role":"agent","password":"long enough password"}`,
    });
    assert.equal(r.status, 400, r.text);
  });

  it('the kiosk collector answers 400, not 500', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${terminalToken}` };
    const id = 'k2hx7k4m5n6p7r8s9t2v3w4x5y';
    assert.equal((await rawRequest(`${viewer.url}/collect/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ id, startedAt: Date.now() }) })).status, 201);
    const bodies = {
      '/collect/v1/sessions': `{"id":${deep(5000)},"startedAt":1}`,
      '/collect/v1/captures': `{"sessionId":"${id}","captures":${deep(5000)}}`,
      '/collect/v1/events': `{"token":"${id}","page":{"id":"p1","url":"https://bank.example/"},"seq":0,"events":[{"type":3,"timestamp":1,"data":${deep(200_000)}}]}`,
    };
    for (const [route, body] of Object.entries(bodies)) {
      const r = await rawRequest(viewer.url + route, { method: 'POST', headers, body });
      assert.equal(r.status, 400, `${route}: ${r.text}`);
    }
  });
});
