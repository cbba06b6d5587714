/** The kiosk collector: authentication, sessions, idempotent events, digest-first blobs, captures, filters. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startViewer, type Viewer } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { CollectorRoutes } from '../collector/routes';
import { TerminalRegistry } from '../collector/terminals';
import { IngestPipeline } from '../ingest/pipeline';
import { DEFAULT_POLICY } from '../masking/index';

let dir: string;
let store: VerbatimStore;
let viewer: Viewer;
let ingest: IngestPipeline;
let registry: TerminalRegistry;
let tokenA: string;
let tokenB: string;

const call = (method: string, p: string, token: string | undefined, body?: unknown, raw?: Buffer, extra: Record<string, string> = {}) =>
  fetch(viewer.url + p, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': raw ? 'application/octet-stream' : 'application/json', ...extra },
    body: raw ? new Uint8Array(raw) : body === undefined ? undefined : JSON.stringify(body),
  });

const upload = (seq: number, n = 2) => ({
  token: 'kiosk-session-1', page: { id: 'p1', url: 'https://bank.test/' }, seq,
  events: Array.from({ length: n }, (_, i) => ({ type: 3, timestamp: 1_700_000_000_000 + seq * 10 + i, data: {} })),
});

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-collector-'));
  // With a keyring, as `verbatim start` runs it: personal bodies are sealed per session.
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir: path.join(dir, 'keys'), keyringDir: path.join(dir, 'keys', 'keyring'), sealIntervalMs: 0 } });
  registry = new TerminalRegistry(path.join(dir, 'terminals.json'));
  tokenA = await registry.add('kiosk-a');
  tokenB = await registry.add('kiosk-b');
  ingest = new IngestPipeline({ store, masking: DEFAULT_POLICY });
  const collector = new CollectorRoutes(ingest, { terminals: registry, maxBlobBytes: 1024 });
  viewer = await startViewer({ store, port: 0, uiDir: path.join(dir, 'ui'), collector });
});

after(async () => {
  await viewer?.close();
  await ingest?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('collector', () => {
  it('keeps token hashes only, in a 0600 file', async () => {
    const s = await stat(path.join(dir, 'terminals.json'));
    assert.equal(s.mode & 0o777, 0o600);
    const list = await registry.list();
    assert.ok(list.every((t) => !JSON.stringify(t).includes(tokenA)));
  });

  it('refuses missing, unknown and revoked tokens with 401', async () => {
    assert.equal((await call('POST', '/collect/v1/sessions', undefined, {})).status, 401);
    assert.equal((await call('POST', '/collect/v1/sessions', 'nope', {})).status, 401);
    const t = await registry.add('kiosk-gone');
    await registry.revoke('kiosk-gone');
    const res = await call('POST', '/collect/v1/sessions', t, { id: 'abcdefgh', startedAt: 1 });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /revoked/);
  });

  it('creates and continues a kiosk session; another terminal may not touch it', async () => {
    const init = { id: 'kiosk-session-1', startedAt: 1_700_000_000_000, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36', viewport: { width: 800, height: 600 } };
    assert.equal((await call('POST', '/collect/v1/sessions', tokenA, init)).status, 201);
    assert.equal((await call('POST', '/collect/v1/sessions', tokenA, init)).status, 200);
    assert.equal((await call('POST', '/collect/v1/sessions', tokenB, init)).status, 403);
    assert.equal((await call('POST', '/collect/v1/events', tokenB, upload(0))).status, 403);
    const s = await store.getSession('kiosk-session-1');
    assert.equal(s?.channel, 'kiosk');
    assert.equal(s?.terminalId, 'kiosk-a');
    assert.equal(s?.browser, 'Chrome 140');
  });

  it('appends events idempotently by (session, page, seq)', async () => {
    for (const seq of [0, 1, 1, 0, 2]) assert.equal((await call('POST', '/collect/v1/events', tokenA, upload(seq))).status, 200);
    assert.equal((await store.getSession('kiosk-session-1'))?.eventCount, 6);
    const bad = await call('POST', '/collect/v1/events', tokenA, { ...upload(3), events: [] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /events/);
    assert.equal((await call('POST', '/collect/v1/events', tokenA, { ...upload(3), token: 'unknown-session' })).status, 404);
  });

  it('uploads blobs digest-first, verifies them, and indexes captures', async () => {
    const bytes = Buffer.from('body { color: red }');
    const digest = createHash('sha256').update(bytes).digest('hex');
    const ask = async () => ((await (await call('POST', '/collect/v1/blobs/missing', tokenA, { digests: [digest, digest] })).json()) as { missing: string[] }).missing;
    assert.deepEqual(await ask(), [digest]);
    assert.equal((await call('PUT', `/collect/v1/blobs/${digest}`, tokenA, undefined, Buffer.from('tampered'))).status, 400);
    assert.equal((await call('PUT', `/collect/v1/blobs/${digest}`, tokenA, undefined, Buffer.alloc(2048))).status, 413);
    assert.equal((await call('PUT', `/collect/v1/blobs/${digest}`, tokenA, undefined, bytes)).status, 201);
    assert.deepEqual(await ask(), []);
    const capture = {
      id: 'c1', url: 'https://bank.test/site.css', method: 'GET', status: 200, headers: [['Content-Type', 'text/css']],
      destination: 'style', startedAt: 1_700_000_000_100, timing: { headersMs: 1, totalMs: 2 },
      body: { digest, size: bytes.length, encoding: '', truncated: false },
    };
    const missingBody = { ...capture, id: 'c2', body: { ...capture.body, digest: 'f'.repeat(64) } };
    assert.equal((await call('POST', '/collect/v1/captures', tokenA, { sessionId: 'kiosk-session-1', captures: [missingBody] })).status, 400);
    for (let i = 0; i < 2; i++) {
      assert.equal((await call('POST', '/collect/v1/captures', tokenA, { sessionId: 'kiosk-session-1', captures: [capture] })).status, 200);
    }
    const stored = await store.listCaptures('kiosk-session-1');
    assert.equal(stored.length, 1);
    assert.deepEqual(stored[0]!.headers, [['content-type', 'text/css']]);
  });

  it("seals a personal body into its session's own space; another terminal cannot name that session", async () => {
    const doc = Buffer.from('<p>Statement for one customer</p>');
    const digest = createHash('sha256').update(doc).digest('hex');
    const put = (token: string, session: string) => call('PUT', `/collect/v1/blobs/${digest}`, token, undefined, doc, { 'x-verbatim-session': session });
    assert.equal((await put(tokenB, 'kiosk-session-1')).status, 403);
    assert.equal((await put(tokenA, 'no-such-session')).status, 404);
    assert.equal((await put(tokenA, 'kiosk-session-1')).status, 201);
    const capture = {
      id: 'c-doc', url: 'https://bank.test/statement', method: 'GET', status: 200, headers: [['content-type', 'text/html']],
      destination: 'document', startedAt: 1_700_000_000_200, timing: { headersMs: 1, totalMs: 2 },
      body: { digest, size: doc.length, encoding: '', truncated: false },
    };
    assert.equal((await call('POST', '/collect/v1/captures', tokenA, { sessionId: 'kiosk-session-1', captures: [capture] })).status, 200);
    const stored = (await store.listCaptures('kiosk-session-1')).find((c) => c.id === 'c-doc')!;
    assert.equal(stored.body!.sealed, true);
    assert.equal(await store.getBlob(digest), undefined, 'not in the shared blob space');
    assert.deepEqual(Buffer.from((await store.getBlob(digest, 'kiosk-session-1'))!), doc);
  });

  it('masks what a terminal uploads, like the proxy: page URL and title, context, capture URL, headers, bodies', async () => {
    const pan = '4111111111111111';
    const iban = 'GB33BUKB20201555555555';
    const init = { id: 'kiosk-session-mask', startedAt: 1_700_000_001_000 };
    assert.equal((await call('POST', '/collect/v1/sessions', tokenA, init)).status, 201);
    const events = {
      token: init.id, page: { id: 'p1', url: `https://bank.test/pay?card=${pan}`, title: `Pay ${iban}` }, seq: 0,
      context: { url: `https://bank.test/pay?card=${pan}`, source: { kind: 'campaign', utmTerm: pan, utmContent: iban } },
      events: [{ type: 3, timestamp: 1_700_000_001_100, data: { source: 0, texts: [{ id: 1, value: `card ${pan}` }] } }],
    };
    assert.equal((await call('POST', '/collect/v1/events', tokenA, events)).status, 200);
    const json = Buffer.from(JSON.stringify({ iban, card: pan }));
    const digest = createHash('sha256').update(json).digest('hex');
    const put = await call('PUT', `/collect/v1/blobs/${digest}`, tokenA, undefined, json, { 'x-verbatim-session': init.id, 'content-type': 'application/json' });
    assert.equal(put.status, 201);
    const capture = {
      id: 'c-mask', url: `https://bank.test/api/card?pan=${pan}`, method: 'GET', status: 200,
      headers: [['content-type', 'application/json'], ['x-account', iban]], startedAt: 1_700_000_001_200, timing: { headersMs: 1, totalMs: 2 },
      body: { digest, size: json.length, encoding: '', truncated: false },
    };
    assert.equal((await call('POST', '/collect/v1/captures', tokenA, { sessionId: init.id, captures: [capture] })).status, 200);
    const everything = JSON.stringify([await store.getSession(init.id), await store.readEvents(init.id), await store.listCaptures(init.id)]);
    assert.ok(!everything.includes(pan) && !everything.includes(iban), 'nothing unmasked reached the store');
    const [stored] = await store.listCaptures(init.id);
    const body = Buffer.from((await store.getBlob(stored!.body!.digest, init.id))!).toString();
    assert.ok(!body.includes(pan) && !body.includes(iban), body);
    assert.equal(stored!.body!.masked, true);
  });

  it('keeps a terminal\'s captures to its own session unless a trusted capture has the same bytes', async () => {
    const init = { id: 'kiosk-session-plant', startedAt: 1_700_000_002_000 };
    assert.equal((await call('POST', '/collect/v1/sessions', tokenA, init)).status, 201);
    const planted = Buffer.from('body { background: url(https://evil.example/x) }');
    const digest = createHash('sha256').update(planted).digest('hex');
    assert.equal((await call('PUT', `/collect/v1/blobs/${digest}`, tokenA, undefined, planted, { 'content-type': 'text/css' })).status, 201);
    const capture = {
      id: 'c-plant', url: 'https://bank.test/planted.css', method: 'GET', status: 200, headers: [['content-type', 'text/css'], ['x-content-type-options', 'sniff']],
      startedAt: 1_600_000_000_000, timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: planted.length, encoding: '', truncated: false },
    };
    assert.equal((await call('POST', '/collect/v1/captures', tokenA, { sessionId: init.id, captures: [capture] })).status, 200);
    assert.equal((await store.findCapture({ url: capture.url, at: 1_600_000_000_000, sessionId: init.id }))?.id, 'c-plant');
    assert.equal(await store.findCapture({ url: capture.url, at: 1_700_000_000_000 }), undefined, 'no other session\'s replay gets it');
    // The same bytes the proxy captured for that URL: the terminal may add its moment to the shared index.
    await store.createSession({ id: 'proxy-trusted', channel: 'proxy', startedAt: 1_500_000_000_000 });
    await store.putCapture({ ...capture, id: 'c-proxy', sessionId: 'proxy-trusted', url: 'https://bank.test/site-v2.css', startedAt: 1_500_000_000_000, headers: [['content-type', 'text/css']] });
    const same = { ...capture, id: 'c-same', url: 'https://bank.test/site-v2.css', startedAt: 1_700_000_002_100 };
    assert.equal((await call('POST', '/collect/v1/captures', tokenA, { sessionId: init.id, captures: [same] })).status, 200);
    assert.equal((await store.findCapture({ url: same.url, at: 1_800_000_000_000 }))?.id, 'c-same');
  });

  it('filters the session list by channel and terminal', async () => {
    await store.createSession({ id: 'proxy-session-1', channel: 'proxy', startedAt: 1_700_000_000_500 });
    const list = async (q: string) => ((await (await fetch(`${viewer.url}/api/sessions${q}`)).json()) as { id: string }[]).map((s) => s.id);
    assert.deepEqual((await list('')).filter((id) => id === 'proxy-session-1' || id === 'kiosk-session-1'), ['proxy-session-1', 'kiosk-session-1']);
    assert.deepEqual(await list('?channel=kiosk'), ['kiosk-session-plant', 'kiosk-session-mask', 'kiosk-session-1']);
    assert.deepEqual(await list('?terminal=kiosk-a'), ['kiosk-session-plant', 'kiosk-session-mask', 'kiosk-session-1']);
    assert.deepEqual(await list('?terminal=kiosk-b'), []);
    assert.deepEqual(await list('?channel=proxy'), ['proxy-session-1', 'proxy-trusted']);
  });

  it('answers unknown collector paths with 404 and leaves the viewer read-only elsewhere', async () => {
    assert.equal((await call('POST', '/collect/v1/nothing', tokenA, {})).status, 404);
    assert.equal((await call('POST', '/api/sessions', tokenA, {})).status, 405);
  });
});
