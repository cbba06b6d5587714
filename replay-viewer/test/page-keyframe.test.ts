/**
 * A player page carries its deep link's keyframe in its own HTML (ui-routes.ts, replay/keyframe/page-keyframe.ts)
 * only for a user who may replay that session, with the replay on the audit trail before the page is served:
 *   - an analyst's page holds the keyframe (as JSON no recorded text can break out of: `</script>`, `<!--`, U+2028)
 *     and does not preload the events (its head script asks for them once the keyframe is painted); the read is
 *     audited as `replay` of the session;
 *   - an agent gets it for a customer-linked session only; for another, and for a role without replay (auditor),
 *     the page holds none and its head script asks the events route (which refuses and records the refusal itself);
 *   - a session without a drawable frame, or unknown, gets a plain page;
 *   - the page up to the keyframe is sent at once, the keyframe and the page's end when the keyframe is ready.
 * Painting it in Chromium, hostile recordings included, is keyframe.test.ts's; the time it saves is the first-frame bench's.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../auth/index';
import { PAGE_KEYFRAME_ID, type PageKeyframe } from '../replay/keyframe/page-keyframe';
import { eventStreamUrl } from '../replay/event-stream-url';
import { UiRoutes } from '../ui-routes';
import type { RouteContext } from '../route-table';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startViewer, type Viewer } from '../server';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import type { RecordedEvent } from '../../store/records';

const LINKED = 'pagekeyframe1inked5ess10n01';
const ANON = 'pagekeyframeanon5ess10n0001';
const BARE = 'pagekeyframebare5ess10n0001';
const T0 = 1_712_000_000_000;
const PASSWORD = 'page keyframe password';
const HOSTILE_TEXT = 'Balance </script><script>window.pwned=1</script> <!-- \u2028 \u2029 <\/SCRIPT >';

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let audit: AuditLog;
const cookies = new Map<Role, string>();

function pageEvents(): RecordedEvent[] {
  const el = (id: number, tagName: string, childNodes: unknown[] = [], attributes: Record<string, string> = {}) => ({ type: 2, id, tagName, attributes, childNodes });
  return [
    { type: 4, timestamp: T0 + 10, data: { href: 'https://bank.example/statement', width: 800, height: 600 } },
    { type: 2, timestamp: T0 + 20, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
      { type: 1, id: 2, name: 'html', publicId: '', systemId: '' },
      el(3, 'html', [el(4, 'head'), el(5, 'body', [el(6, 'p', [{ type: 3, id: 7, textContent: HOSTILE_TEXT }], { id: 'balance' }),
        // Text naming the viewer's own asset, as the page's template does: the viewer must not rewrite it.
        el(8, 'code', [{ type: 3, id: 9, textContent: "load('/assets/app.js')" }], { id: 'asset-text' })])]),
    ] } } },
  ];
}

async function page(role: Role, id: string, query = `?at=${T0 + 100}`): Promise<string> {
  const res = await fetch(`${viewer.url}/sessions/${id}${query}`, { headers: { cookie: cookies.get(role)! } });
  assert.equal(res.status, 200);
  return res.text();
}

/** The keyframe element's text, or undefined when the page has none. */
function carried(html: string): string | undefined {
  return new RegExp(`<script type="application/json" id="${PAGE_KEYFRAME_ID}">([^]*?)</script>`).exec(html)?.[1];
}


before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-page-keyframe-'));
  store = await openStore(path.join(dir, 'store'));
  for (const id of [LINKED, ANON]) {
    await store.createSession({ id, channel: 'proxy', startedAt: T0 });
    await store.appendEvents({ sessionId: id, page: { id: 'p1', url: 'https://bank.example/statement' }, seq: 0, events: pageEvents(), receivedAt: T0 + 30 });
  }
  // Only a Meta: nothing to draw.
  await store.createSession({ id: BARE, channel: 'proxy', startedAt: T0 });
  await store.appendEvents({ sessionId: BARE, page: { id: 'p1', url: 'https://bank.example/' }, seq: 0, events: [pageEvents()[0]!], receivedAt: T0 + 30 });
  await store.linkCustomer({ sessionId: LINKED, customerId: 'C-77', source: 'test', at: 1 });
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  const roles: Role[] = ['agent', 'analyst', 'auditor'];
  for (const role of roles) await accounts.add(role, role, PASSWORD);
  const access = new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) });
  // A stand-in UI with a head script: the page carries a keyframe only when one is there to paint it.
  const ui = path.join(dir, 'ui');
  await mkdir(ui);
  await writeFile(path.join(ui, 'index.html'), '<!doctype html>\n<html lang="en">\n<head>\n  <link rel="stylesheet" href="/assets/styles.css">\n  <script src="/assets/app.js" defer></script>\n</head>\n<body>\n  <main id="app"></main>\n</body>\n</html>\n');
  await writeFile(path.join(ui, 'early-requests.js'), '/* the head script */');
  await writeFile(path.join(ui, 'app.js'), '/* the app */');
  viewer = await startViewer({ store, uiDir: ui, access });
  for (const role of roles) {
    const res = await fetch(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: PASSWORD }) });
    assert.equal(res.status, 200);
    cookies.set(role, res.headers.get('set-cookie')!.split(';')[0]!);
  }
  // A warm server, as a deep link meets it: a session's first page reads its events from the store, which a loaded
  // machine may not finish within the page's wait for its keyframe (the page then goes without: ui-routes.ts).
  for (const id of [LINKED, ANON]) await fetch(`${viewer.url}/sessions/${id}?at=${T0 + 100}`, { headers: { cookie: cookies.get('analyst')! } }).then((r) => r.text());
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a player page's own keyframe", () => {
  it('is in the page of a user who may replay the session, escaped, its events preloaded without one, the read audited', async () => {
    const html = await page('analyst', ANON);
    const text = carried(html);
    assert.ok(text, 'the page carries the keyframe');
    assert.ok(!text.includes('<'), 'no "<" inside the element: recorded text cannot end it');
    assert.ok(!/[\u2028\u2029]/.test(text));
    assert.equal((html.match(/<\/script>/g) ?? []).length, (html.match(/<script[\s>]/g) ?? []).length, 'every script element ends where it should');
    const frame = JSON.parse(text) as PageKeyframe;
    assert.ok(frame.shown >= T0 + 20 && frame.shown <= T0 + 100, String(frame.shown));
    assert.equal(frame.keyframe.width, 800);
    assert.match(frame.keyframe.html, /id="balance">Balance &lt;\/script&gt;&lt;script&gt;window\.pwned=1/);
    // The page's own asset URLs carry their content's tag; the recorded text naming one is left as recorded.
    assert.match(html, /<script nonce="[^"]+" src="\/assets\/app\.js\?v=[\w-]{27}" defer>|href="\/assets\/app\.js\?v=[\w-]{27}"/);
    assert.match(frame.keyframe.html, /id="asset-text">load\('\/assets\/app\.js'\)</);
    assert.match(html, new RegExp(`<html data-keyframe-follows="${ANON}"`));
    // The head script asks for the events (without a keyframe line) once the keyframe is painted: no preload.
    assert.doesNotMatch(html, /<link rel="preload" as="fetch"/);
    const replays = await audit.query({ actor: 'analyst', action: 'replay' });
    assert.ok(replays.some((e) => e.target === ANON && e.outcome === 'ok' && (e.details as Record<string, unknown>).path === `/sessions/${ANON}`), JSON.stringify(replays));
  });

  it("is an agent's for a customer-linked session only, and never a role's without replay", async () => {
    assert.ok(carried(await page('agent', LINKED)), "a customer's session");
    const before = (await audit.query({ actor: 'agent' })).length;
    const anon = await page('agent', ANON);
    assert.equal(carried(anon), undefined);
    assert.equal((await audit.query({ actor: 'agent' })).length, before, 'the page records nothing it did not serve');
    assert.equal(carried(await page('auditor', ANON)), undefined);
    // None came: the head script asks the events route for its keyframe line, which decides (and refuses) as before.
    const events = eventStreamUrl(ANON, { at: T0 + 100, keyframe: true });
    assert.equal((await fetch(`${viewer.url}${events}`, { headers: { cookie: cookies.get('agent')! } })).status, 403);
  });

  it('is left out when there is nothing to draw, the session is unknown, or the moment is malformed', async () => {
    assert.equal(carried(await page('analyst', BARE)), undefined);
    assert.equal(carried(await page('analyst', 'n0such5ess10nanywhere000001')), undefined);
    assert.equal(carried(await page('analyst', ANON, '?at=soon')), undefined);
    assert.ok(carried(await page('analyst', ANON, '')), 'no moment: the first frame');
  });

  it('is sent after the rest of the page: the browser parses the head while the keyframe is built', async () => {
    let ready: (frame: PageKeyframe | undefined) => void = () => undefined;
    const built = new Promise<PageKeyframe | undefined>((r) => (ready = r));
    const ui = new UiRoutes(path.join(dir, 'ui'), { keyframe: true, pageKeyframe: () => built });
    const server = http.createServer((req, res) => {
      const ctx = { req, res, method: 'GET', pathname: `/sessions/${ANON}`, query: new URLSearchParams(), params: { id: ANON }, audit: { details: {} } } satisfies RouteContext;
      void ui.page(ctx).catch(() => res.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sessions/${ANON}`);
      assert.equal(res.status, 200);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('<main id="app"></main>')) text += (await reader.read()).value ?? '';
      assert.match(text, new RegExp(`<html data-keyframe-follows="${ANON}"`));
      assert.doesNotMatch(text, /<\/body>/, 'the page stops before its end while the keyframe is built');
      ready({ keyframe: { html: '<p>moment</p>', width: 800, height: 600, scrollX: 0, scrollY: 0 }, shown: T0 + 50 });
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
      assert.match(text, new RegExp(`<script type="application/json" id="${PAGE_KEYFRAME_ID}">[^<]*</script>\\n</body>\\n</html>\\n$`));
      assert.equal(JSON.parse(carried(text)!).shown, T0 + 50);
    } finally {
      server.close();
    }
  });
});
