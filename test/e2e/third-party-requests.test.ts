/**
 * Requests a page makes to another site reach the page's session: real Chromium → real proxy → LevelDB. The session
 * cookie is per host, so a third party's image, script and API call carry none; the proxy files them under the
 * session of the page that made them, by the origin the browser states (Origin on CORS, else the Referer). So a
 * third party's failed request becomes the session's (struggle signals name it as third-party), and its assets
 * replay from the session's own captures. A second site (127.0.0.2 is another registrable "domain" to the detector)
 * serves a pixel, a script, and an API that fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { E2eRig } from '../helpers/e2e-rig';

const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let rig: E2eRig;
let site: string;
let thirdParty: string;
let browser: Browser;
let viewerUrl: string;

before(async () => {
  rig = await E2eRig.open('third-party');
  thirdParty = await rig.site((req, res) => {
    const cors = { 'access-control-allow-origin': site };
    if (req.url === '/pixel.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PIXEL);
    else if (req.url === '/widget.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end('window.widgetLoaded = true;');
    else if (req.url === '/api/quote') res.writeHead(503, { 'content-type': 'application/json', ...cors }).end('{"error":"down"}');
    else res.writeHead(404).end();
  }, '127.0.0.2');
  site = await rig.site((req, res) => {
    if (req.url !== '/pay') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><head><meta charset="utf-8"><title>Pay</title>
<script src="${thirdParty}/widget.js"></script></head><body><img id="px" src="${thirdParty}/pixel.png" alt="">
<p id="state">starting</p>
<script>
fetch('${thirdParty}/api/quote').then((r) => { document.getElementById('state').textContent = 'quote ' + r.status; });
</script></body></html>`);
  });
  const proxy = await rig.proxy({ allowedTargets: ['127.0.0.1', '127.0.0.2'] });
  browser = await rig.chromium({ server: proxy.url });
  viewerUrl = (await rig.viewer()).url;
});

after(async () => {
  await rig?.close();
});

describe('requests to another site', () => {
  it('are filed under the session of the page that made them', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${site}/pay`);
    await tab.waitForFunction(() => document.getElementById('state')?.textContent === 'quote 503');
    const sessions = await rig.store.listSessions({ limit: 10 });
    assert.equal(sessions.length, 1, 'one session');
    // The page as the recorder saw it (the detector's "site" is the session's first page).
    for (const deadline = Date.now() + 10_000; !(await rig.store.readEvents(sessions[0]!.id)).length; await new Promise((r) => setTimeout(r, 50))) {
      assert.ok(Date.now() < deadline, 'the recorder\'s first upload');
    }
    await context.close();
    const wanted = ['/pay', '/widget.js', '/pixel.png', '/api/quote'];
    let urls: string[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      urls = (await rig.store.listCaptures(sessions[0]!.id)).map((c) => c.url);
      if (wanted.every((w) => urls.some((u) => u.endsWith(w)))) break;
    }
    for (const w of wanted) assert.ok(urls.some((u) => u.endsWith(w)), `${w} in the session's captures: ${urls.join(' ')}`);
    const quote = (await rig.store.listCaptures(sessions[0]!.id)).find((c) => c.url === `${thirdParty}/api/quote`);
    assert.equal(quote?.status, 503);

    // The failed API call is the session's `failed` signal, on the third party's host, flagged as such.
    const res = await fetch(`${viewerUrl}/api/sessions/${encodeURIComponent(sessions[0]!.id)}/signals`);
    assert.equal(res.status, 200);
    const { signals } = await res.json() as { signals: { name: string; url?: string; detail?: Record<string, unknown> }[] };
    const failed = signals.filter((x) => x.name === 'failed');
    assert.deepEqual(failed.map((x) => [x.url, x.detail?.host, x.detail?.status, x.detail?.thirdParty]), [[`${thirdParty}/api/quote`, new URL(thirdParty).host, 503, true]]);
  });
});
