/**
 * The forward proxy, the gateway and the kiosk collector share one ingest pipeline: the same hostile inputs pushed
 * through each give the same stored results (masked page URLs, titles, context, events, capture URLs, headers and
 * bodies), and none of them keeps a card number or an IBAN.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startViewer, type Viewer } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import type { CapturedResource, Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { CollectorRoutes } from '../collector/routes';
import { TerminalRegistry } from '../collector/terminals';
import { IngestPipeline } from '../ingest/pipeline';
import { parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../index';
import { DEFAULT_POLICY } from '../masking/index';

const PAN = '4111111111111111';
const PAN2 = '5500 0000 0000 0004';
const IBAN = 'GB33BUKB20201555555555';
const IBAN_SPACED = 'GB33 BUKB 2020 1555 5555 55';
const SECRETS = [PAN, PAN2, PAN2.replace(/ /g, ''), IBAN, IBAN_SPACED];
const DOC_PATH = `/statement?card=${PAN}`;
const DOC = `<!doctype html><html><head><title>Statement ${IBAN}</title></head><body><p>Card ${PAN2} on file</p></body></html>`;
const JSON_BODY = JSON.stringify({ iban: IBAN_SPACED, pan: PAN, owner: 'Ann' });
const KEPT_HEADERS = new Set(['content-type', 'x-account']);

let dir: string;
let store: VerbatimStore;
let ingest: IngestPipeline;
let site: http.Server;
let siteUrl: string;
let proxy: RunningProxy;
let gateway: RunningGateway;
let viewer: Viewer;
let terminalToken: string;
const PUBLIC_HOST = 'bank.test';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-ingest-paths-'));
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir: path.join(dir, 'keys'), keyringDir: path.join(dir, 'keys', 'keyring'), sealIntervalMs: 0 } });
  ingest = new IngestPipeline({ store, masking: DEFAULT_POLICY });
  site = http.createServer((req, res) => {
    if (req.url?.startsWith('/statement')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-account': IBAN });
      return void res.end(DOC);
    }
    if (req.url === '/api/account') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-account': IBAN });
      return void res.end(JSON_BODY);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const recorderScript = await readFile(path.join(import.meta.dirname, '..', '..', 'dist', 'recorder', 'recorder.js')).catch(() => Buffer.from('/* recorder */'));
  proxy = await startProxy({ store, dataDir: dir, port: 0, recorderScript, ingest, allowedTargets: ['127.0.0.1'] });
  gateway = await startGateway({ store, dataDir: dir, port: 0, recorderScript, ingest, routes: parseUpstreams([`${PUBLIC_HOST}=${siteUrl}`]) });
  const registry = new TerminalRegistry(path.join(dir, 'terminals.json'));
  terminalToken = await registry.add('kiosk-1');
  const collector = new CollectorRoutes(ingest, { terminals: registry });
  viewer = await startViewer({ store, port: 0, uiDir: path.join(dir, 'ui'), collector });
});

after(async () => {
  await Promise.allSettled([proxy?.close(), gateway?.close(), viewer?.close()]);
  await ingest?.close();
  await store?.close();
  await new Promise((r) => site?.close(r));
  await rm(dir, { recursive: true, force: true });
});

function request(options: http.RequestOptions & { url: string; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(options.url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The upload the page's recorder would send, with secrets everywhere a page can put them. */
function upload(token: string, pageUrl: string): Record<string, unknown> {
  return {
    token, seq: 0,
    page: { id: 'page-1', url: pageUrl, title: `Statement ${IBAN}` },
    context: { url: pageUrl, referrer: `https://search.example/?q=${PAN}`, source: { kind: 'campaign', utmTerm: PAN, utmContent: IBAN_SPACED } },
    events: [
      { type: 4, timestamp: 1_700_000_000_000, data: { href: pageUrl, width: 800, height: 600 } },
      { type: 3, timestamp: 1_700_000_000_100, data: { source: 0, texts: [{ id: 7, value: `Card ${PAN2} on file` }], attributes: [], removes: [], adds: [] } },
      { type: 5, timestamp: 1_700_000_000_200, data: { tag: 'note', payload: { text: `IBAN ${IBAN}` } } },
    ],
  };
}

/** Through a forward proxy or the gateway: the document (injected, with the session token), data, an upload. */
async function throughProxy(fetchVia: (p: string, extra?: http.RequestOptions & { body?: string }) => ReturnType<typeof request>, pageUrl: string): Promise<string> {
  const doc = await fetchVia(DOC_PATH, { headers: { 'sec-fetch-dest': 'document', accept: 'text/html' } });
  assert.equal(doc.status, 200);
  const token = /data-verbatim-token="([^"]+)"/.exec(doc.text)?.[1];
  assert.ok(token, 'the recorder tag carries the session token');
  const cookie = String(doc.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  assert.equal((await fetchVia('/api/account', { headers: { cookie, 'sec-fetch-dest': 'empty' } })).status, 200);
  const sent = await fetchVia('/__verbatim/events', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(upload(token!, pageUrl)) });
  assert.equal(sent.status, 204, sent.text);
  await ingest.drain();
  return (await store.listSessions()).find((s) => s.channel !== 'kiosk' && !seen.has(s.id))!.id;
}

const seen = new Set<string>();

/** What each path stored, with the parts that must differ (ids, times, origins) taken out. */
async function stored(sessionId: string, origin: string): Promise<unknown> {
  seen.add(sessionId);
  const session = (await store.getSession(sessionId)) as Session;
  const events = await store.readEvents(sessionId);
  const captures = (await store.listCaptures(sessionId)).sort((a, b) => a.url.localeCompare(b.url));
  const bodies = await Promise.all(captures.map(async (c: CapturedResource) => (c.body ? Buffer.from((await store.getBlob(c.body.digest, sessionId))!).toString('utf8') : null)));
  const strip = (s: string): string => s.split(origin).join('ORIGIN');
  return JSON.parse(strip(JSON.stringify({
    pages: session.pages.map((p) => ({ url: p.url, title: p.title, referrer: p.context?.referrer, source: p.context?.source })),
    events: events.flatMap((b) => b.events.map((e) => e.data)),
    captures: captures.map((c, i) => ({
      url: c.url, status: c.status, headers: c.headers.filter(([n]) => KEPT_HEADERS.has(n)), body: bodies[i], masked: c.body?.masked ?? false,
    })),
  })));
}

describe('one ingest path', () => {
  it('stores the same masked results from the forward proxy, the gateway and the kiosk collector', async () => {
    // Forward proxy: absolute-form requests to the site through the proxy.
    const viaProxy = (p: string, extra: http.RequestOptions & { body?: string } = {}) =>
      request({ ...extra, url: `${proxy.url}${p}`, path: `${siteUrl}${p}`, headers: { host: new URL(siteUrl).host, ...(extra.headers ?? {}) } });
    const proxySession = await throughProxy(viaProxy, `${siteUrl}${DOC_PATH}`);
    const fromProxy = await stored(proxySession, siteUrl);

    // Gateway: the browser talks to Verbatim as if it were the site.
    const viaGateway = (p: string, extra: http.RequestOptions & { body?: string } = {}) =>
      request({ ...extra, url: `${gateway.url}${p}`, headers: { host: PUBLIC_HOST, ...(extra.headers ?? {}) } });
    const gatewaySession = await throughProxy(viaGateway, `http://${PUBLIC_HOST}${DOC_PATH}`);
    const fromGateway = await stored(gatewaySession, `http://${PUBLIC_HOST}`);

    // Kiosk: the extension uploads the same session: events, then bodies digest-first, then capture records.
    const kioskOrigin = 'https://kiosk.bank.test';
    const call = (method: string, p: string, body: Buffer | string, headers: Record<string, string> = {}) =>
      request({ url: `${viewer.url}${p}`, method, body: body as string, headers: { authorization: `Bearer ${terminalToken}`, 'content-type': 'application/json', ...headers } });
    const kioskSession = 'kiosk-session-0001';
    assert.equal((await call('POST', '/collect/v1/sessions', JSON.stringify({ id: kioskSession, startedAt: Date.now() }))).status, 201);
    assert.equal((await call('POST', '/collect/v1/events', JSON.stringify(upload(kioskSession, `${kioskOrigin}${DOC_PATH}`)))).status, 200);
    const captures = [];
    for (const [p, type, body] of [[DOC_PATH, 'text/html; charset=utf-8', DOC], ['/api/account', 'application/json', JSON_BODY]] as const) {
      const digest = createHash('sha256').update(body).digest('hex');
      const put = await call('PUT', `/collect/v1/blobs/${digest}`, body, { 'content-type': type, 'x-verbatim-session': kioskSession });
      assert.equal(put.status, 201, put.text);
      captures.push({
        id: `k-${captures.length}`, url: `${kioskOrigin}${p}`, method: 'GET', status: 200, headers: [['content-type', type], ['x-account', IBAN]],
        startedAt: Date.now(), timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: Buffer.byteLength(body), encoding: '', truncated: false },
      });
    }
    const sent = await call('POST', '/collect/v1/captures', JSON.stringify({ sessionId: kioskSession, captures }));
    assert.equal(sent.status, 200, sent.text);
    const fromKiosk = await stored(kioskSession, kioskOrigin);

    if (process.env.DEBUG_INGEST) console.log(JSON.stringify(fromProxy, null, 1));
    assert.deepEqual(fromGateway, fromProxy, 'gateway and forward proxy store the same');
    assert.deepEqual(fromKiosk, fromProxy, 'kiosk collector and forward proxy store the same');
    const all = JSON.stringify([fromProxy, fromGateway, fromKiosk]);
    for (const secret of SECRETS) assert.ok(!all.includes(secret), `${secret} was stored`);
    assert.ok(all.includes('Statement'), 'the rest of the page survives masking');
  });
});
