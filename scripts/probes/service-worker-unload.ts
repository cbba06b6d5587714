/**
 * Which unload uploads leave a page a service worker controls, in the Chromium at hand, and which the worker sees:
 * `npx tsx scripts/probes/service-worker-unload.ts` (`PROBE_REPS`, default 4). No proxy: a loopback site counts the
 * uploads it gets, and the worker reports each upload it is handed by a side request (`/seen`). Each page sends one
 * upload at pagehide and is left for about:blank, its worker running or stopped (as Chromium stops an idle one).
 * Kept to re-check recorder/deferred-send.ts's premise when Chromium changes. Chromium 156, 4 leaves each:
 * keepalive fetch and sendBeacon reach the worker; none of them arrived through a worker that answers nothing, nor
 * through a stopped worker whatever its handler (a running one that passes them through delivered 7 of 8);
 * fetchLater was never seen by the worker and arrived 24 of 24.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '../chromium';

const LIFECYCLE = `self.addEventListener('install',()=>self.skipWaiting());self.addEventListener('activate',e=>e.waitUntil(clients.claim()));`;
const WORKERS: Record<string, string> = {
  'answers nothing': `${LIFECYCLE}self.addEventListener('fetch',e=>{const u=new URL(e.request.url);if(u.pathname==='/up')fetch('/seen',{keepalive:true});});`,
  'passes through': `${LIFECYCLE}self.addEventListener('fetch',e=>{const u=new URL(e.request.url);if(u.pathname==='/up')fetch('/seen');if(u.pathname!=='/seen')e.respondWith(fetch(e.request));});`,
};
const SENDS: Record<string, string> = {
  'keepalive fetch': `fetch('/up',{method:'POST',body,keepalive:true})`,
  sendBeacon: `navigator.sendBeacon('/up',body)`,
  fetchLater: `fetchLater('/up',{method:'POST',body,activateAfter:0})`,
};

let arrived: string[] = [];
const site = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const worker = url.searchParams.get('w') ?? '';
  if (url.pathname === '/up' || url.pathname === '/seen') {
    arrived.push(url.pathname.slice(1));
    res.writeHead(204).end();
  } else if (url.pathname === '/sw.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKERS[worker]);
  } else if (url.pathname === '/page') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><p id="s">-</p><script>
navigator.serviceWorker.register('/sw.js?w=${encodeURIComponent(worker)}', { scope: '/' }).then(() => navigator.serviceWorker.ready)
  .then(() => navigator.serviceWorker.controller || new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true })))
  .then(() => { document.getElementById('s').textContent = 'controlled'; });
addEventListener('pagehide', () => { const body = JSON.stringify({ x: 'y'.repeat(2000) }); ${SENDS[url.searchParams.get('send') ?? '']}; });
</script>`);
  } else res.writeHead(404).end();
});
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
const browser = await launchChromium();
console.log(`Chromium ${browser.version()}: uploads arrived / worker saw them, of ${Number(process.env.PROBE_REPS ?? 4)} leaves`);
for (const worker of Object.keys(WORKERS)) {
  for (const send of Object.keys(SENDS)) {
    for (const stopped of [false, true]) {
      let up = 0;
      let seen = 0;
      const reps = Number(process.env.PROBE_REPS ?? 4);
      for (let i = 0; i < reps; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${origin}/page?w=${encodeURIComponent(worker)}&send=${encodeURIComponent(send)}`);
        await page.waitForFunction(() => document.getElementById('s')?.textContent === 'controlled');
        if (stopped) {
          const cdp = await context.newCDPSession(page);
          await cdp.send('ServiceWorker.enable');
          await cdp.send('ServiceWorker.stopAllWorkers');
        }
        arrived = [];
        await page.goto('about:blank');
        await new Promise((r) => setTimeout(r, 1500));
        up += arrived.filter((a) => a === 'up').length;
        seen += arrived.filter((a) => a === 'seen').length;
        await context.close();
      }
      console.log(`worker ${worker.padEnd(15)} ${stopped ? 'stopped' : 'running'}  ${send.padEnd(15)} arrived ${up}/${reps}, worker saw ${seen}`);
    }
  }
}
await browser.close();
site.close();
