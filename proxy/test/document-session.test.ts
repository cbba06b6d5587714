/**
 * A document's capture is filed under the session its page was given. After an outage a browser's cookie may name a
 * session whose record the store could not take: the page then gets a new session at once (sessions.ts), while the
 * old session's record is written beside the request. The capture of that document used to follow the cookie's
 * session instead (resolved once its record landed), so the page's recording and its own HTML ended up in two
 * sessions (the full-disk drill, "unwritable store directory", failed 3 of 4 runs so).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startProxy, type RunningProxy } from '../index';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';

let dir: string;
let store: LevelStore;
let site: http.Server;
let origin: string;
let proxy: RunningProxy;
/** While set, every write fails as on a full disk (the store's test hook). */
let diskFull = false;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-document-session-'));
  store = await openStore(path.join(dir, 'store'), {
    recoveryIntervalMs: 20,
    beforeWrite: () => {
      if (diskFull) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    },
  });
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><head><title>${req.url}</title></head><body>page</body></html>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  proxy = await startProxy({ store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, allowedTargets: ['127.0.0.1'] });
});

after(async () => {
  await proxy?.close();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A navigation as a browser makes it: the session cookie it holds; the session its page's token names. */
function navigate(browser: { cookie?: string }, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: proxy.port, path: origin + p,
      headers: { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', accept: 'text/html', ...(browser.cookie ? { cookie: browser.cookie } : {}) },
    }, (res) => {
      const set = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('__verbatim_s='));
      if (set) browser.cookie = set.split(';')[0];
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve(/data-verbatim-token="([^".]+)\./.exec(text)?.[1] ?? ''));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("a document's capture", () => {
  it('is filed under the session its page was given, not the one its cookie named before an outage', async () => {
    for (let round = 0; round < 5; round++) {
      const browser: { cookie?: string } = {};
      diskFull = true;
      const old = await navigate(browser, `/before-${round}`);
      assert.ok(old, 'the page is served, with a session, while the store cannot be written');
      // Its own capture is dropped (counted) while the store cannot take it: nothing writes the session's record.
      await proxy.drain();
      diskFull = false;
      for (const until = Date.now() + 5_000; store.health().state !== 'open';) {
        assert.ok(Date.now() < until, 'the store recovers');
        await new Promise((r) => setTimeout(r, 10));
      }
      const given = await navigate(browser, `/after-${round}`);
      assert.ok(given && given !== old, 'a new session for the page: the old one was not recorded');
      await proxy.drain();
      const urls = async (id: string) => (await store.listCaptures(id)).map((c) => c.url);
      assert.ok((await urls(given)).includes(`${origin}/after-${round}`), `round ${round}: the document is in its page's session`);
      assert.ok(!(await urls(old)).includes(`${origin}/after-${round}`), `round ${round}: and not in the cookie's old one`);
    }
  });
});
