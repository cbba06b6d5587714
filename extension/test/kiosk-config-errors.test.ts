/**
 * Configuration errors never drop recordings (issue 11, item 7). The unpacked
 * extension in real Chromium records the sample bank while the collector URL or
 * token is wrong in the ways IT gets them wrong: the collector URL exactly as
 * `verbatim start` prints it (…/collect/v1/), a wrong path (404), an unknown
 * token (401), an unresolvable host (DNS) and HTTPS against a plain-HTTP server
 * (TLS). Recordings stay queued, the options page shows the error, the collector
 * learns it (`verbatim terminals list`), and once the configuration is fixed
 * every event handed to the extension is stored exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeTerminal, TerminalRegistry } from '../../proxy/collector/terminals';
import { startCollectorViewer } from '../../test/helpers/collector-viewer';
import type { Viewer } from '../../replay-viewer/server';
import { startSampleBank, type SampleBank } from '../../scripts/sample-bank/server';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { launchKiosk, type KioskBrowser, type KioskStatus } from './kiosk-browser';

const root = path.resolve(import.meta.dirname, '../..');
const TERMINAL = 'branch-9-kiosk-1';

let dir: string;
let store: VerbatimStore;
let registry: TerminalRegistry;
let token: string;
let bank: SampleBank;
let viewer: Viewer;
let kiosk: KioskBrowser;
let good: Record<string, unknown>;
/** Batches delivered to another collector server (the "new server" case), by page id. */
const elsewhere: Record<string, number[]> = {};

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-kiosk-config-'));
  store = await openStore(path.join(dir, 'store'));
  registry = new TerminalRegistry(path.join(dir, 'terminals.json'));
  token = await registry.add(TERMINAL);
  bank = await startSampleBank({ version: 1 });
  viewer = await startCollectorViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer'), terminals: registry });
  good = {
    // Exactly what `verbatim start` prints as the kiosk collector.
    collectorUrl: `${viewer.url}/collect/v1/`, terminalId: TERMINAL, enrolmentToken: token,
    allowUrls: [`${bank.url}/*`], homeUrl: `${bank.url}/?kiosk-home`, idleTimeoutSeconds: 600,
  };
  kiosk = await launchKiosk(path.join(dir, 'profile'), good);
});

after(async () => {
  await kiosk?.close();
  await viewer?.close();
  await bank?.close();
  await registry?.flush().catch(() => undefined);
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A fresh kiosk session that visits two pages of the bank. */
async function visitBank(): Promise<void> {
  const page = await kiosk.context.newPage();
  await page.goto(`${bank.url}/?kiosk-home`);
  for (const p of ['/', '/terms']) {
    await page.goto(`${bank.url}${p}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForTimeout(300);
  }
  await page.goto('about:blank');
  await page.close();
}

/** Every batch the extension was handed is in the store, once. */
async function assertEverythingStored(s: KioskStatus): Promise<number> {
  const stored: Record<string, number[]> = structuredClone(elsewhere);
  for (const session of await store.listSessions()) {
    for (const b of await store.readEvents(session.id)) (stored[b.page.id] ??= []).push(b.seq);
  }
  let events = 0;
  for (const [pageId, r] of Object.entries(s.received)) {
    assert.deepEqual([...(stored[pageId] ?? [])].sort((a, b) => a - b), [...new Set(r.seqs)].sort((a, b) => a - b), `page ${pageId}`);
    events += r.events;
  }
  assert.equal(s.rejected, 0, s.lastRefusal);
  assert.equal(s.droppedItems, 0);
  return events;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  for (const end = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 200))) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** The options page's error box text (empty when hidden). */
async function optionsError(): Promise<string> {
  const page = await kiosk.context.newPage();
  try {
    await page.goto(kiosk.worker.url().replace(/[^/]*$/, 'options.html'));
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== '');
    return await page.evaluate(() => {
      const e = document.getElementById('error')!;
      return e.hidden ? '' : e.textContent ?? '';
    });
  } finally {
    await page.close();
  }
}

/** The misconfiguration holds the queue: nothing dropped or refused; an error of this kind is current. */
async function heldBy(check: (s: KioskStatus) => boolean, label: string): Promise<KioskStatus> {
  await visitBank();
  const s = await until(`${label} error`, async () => {
    const st = await kiosk.status();
    return st.lastError && check(st) && st.queuedItems > 0 ? st : undefined;
  });
  // Several retries later the items are still there.
  await kiosk.kick();
  await new Promise((r) => setTimeout(r, 1500));
  const later = await kiosk.status();
  assert.equal(later.rejected, 0, `nothing refused under ${label}: ${later.lastRefusal}`);
  assert.equal(later.droppedItems, 0);
  assert.ok(later.queuedItems >= s.queuedItems, `queue kept under ${label}`);
  console.log(`# ${label}: ${later.queuedItems} items (${later.queuedBytes} bytes) held, oldest ${Date.now() - (later.oldestQueuedAt ?? Date.now())} ms old; ` +
    `error: ${later.lastError!.message}`);
  return later;
}

async function fixAndDrain(label: string): Promise<void> {
  const t0 = Date.now();
  await kiosk.configure(good);
  await kiosk.kick();
  const s = await kiosk.drained();
  const events = await assertEverythingStored(s);
  console.log(`# ${label} fixed: queue drained in ${Date.now() - t0} ms; ${events} events handed to the extension so far, all stored once`);
}

describe('kiosk configuration errors keep recordings', () => {
  it('the collector URL exactly as `verbatim start` prints it (…/collect/v1/) delivers', async () => {
    await visitBank();
    const s = await kiosk.drained();
    const events = await assertEverythingStored(s);
    assert.ok(events > 0);
    assert.ok(s.lastUploadAt, 'the extension noted the delivery');
    assert.equal((await store.listSessions())[0]?.terminalId, TERMINAL);
  });

  it('404 (wrong collector path): kept, shown in the options page, reported to `verbatim terminals list`', async () => {
    // A path the server does not serve (Verbatim's own server answers a POST there with 405, a reverse proxy with 404).
    await kiosk.configure({ ...good, collectorUrl: `${viewer.url}/verbatim/` });
    const s = await heldBy((st) => st.lastError!.status === 404 || st.lastError!.status === 405, '404/405 wrong collector path');
    assert.match(s.lastError!.message, /no Verbatim collector at this URL/);
    assert.match(await optionsError(), /40[45] .*no Verbatim collector at this URL/);
    // The report goes to the server's root when the configured path is wrong.
    assert.ok(await kiosk.worker.evaluate(() => (globalThis as unknown as { verbatimReport: () => Promise<boolean> }).verbatimReport()));
    const status = (await registry.statusOf())[TERMINAL]!;
    assert.match(String(status.report?.lastError?.status), /^40[45]$/);
    assert.ok(status.report!.queue.items > 0 && status.report!.queue.bytes > 0 && status.report!.queue.oldestAt! <= Date.now());
    const line = describeTerminal((await registry.list())[0]!, status);
    assert.match(line, /queue \d+ items, \d+ bytes, oldest /);
    assert.match(line, /\n {2}error .*40[45] .*no Verbatim collector/);
    await fixAndDrain('404');
  });

  it('401 (unknown token): kept, shown, and the collector notes the refused token for the terminal', async () => {
    await kiosk.configure({ ...good, enrolmentToken: 'not-a-token-the-collector-issued' });
    await heldBy((st) => st.lastError!.status === 401, '401 unknown token');
    assert.match(await optionsError(), /401 .*token/);
    await kiosk.worker.evaluate(() => (globalThis as unknown as { verbatimReport: () => Promise<boolean> }).verbatimReport());
    const status = (await registry.statusOf())[TERMINAL]!;
    assert.ok(status.tokenRefusedAt && status.tokenRefusedAt > (status.lastSeenAt ?? 0));
    assert.match(describeTerminal((await registry.list())[0]!, status), /token the collector does not accept/);
    await fixAndDrain('401');
  });

  it('a new collector server that never saw the session: the session is opened there again, nothing refused', async () => {
    // IT moves the terminals to another Verbatim server (or restores an older store) in the middle of a session.
    const otherStore = await openStore(path.join(dir, 'store-2'));
    const other = await startCollectorViewer({ store: otherStore, port: 0, uiDir: path.join(root, 'dist', 'viewer'), terminals: registry });
    try {
      const page = await kiosk.context.newPage();
      await page.goto(`${bank.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      const session = (await kiosk.status()).session!;
      await kiosk.drained();
      assert.ok(await store.getSession(session), 'the session began on the first server');
      await kiosk.configure({ ...good, collectorUrl: other.url });
      await page.goto(`${bank.url}/terms`); // same kiosk session, now uploaded to a server that does not know it
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForTimeout(300);
      await page.goto('about:blank');
      await page.close();
      const s = await kiosk.drained();
      assert.equal(s.rejected, 0, s.lastRefusal);
      assert.equal(s.session, session);
      const moved = await otherStore.getSession(session);
      assert.ok(moved, 'the session was opened again on the new server');
      assert.ok(moved.pages.some((p) => new URL(p.url).pathname === '/terms'));
      console.log(`# new collector: session ${session} reopened there with ${moved.eventCount} events, 0 refused`);
      for (const b of await otherStore.readEvents(session)) (elsewhere[b.page.id] ??= []).push(b.seq);
    } finally {
      await kiosk.configure(good);
      await other.close();
      await otherStore.close();
    }
  });

  it('DNS and TLS failures: kept, with Chromium\'s reason shown', async () => {
    await kiosk.configure({ ...good, collectorUrl: 'http://verbatim-collector.invalid:8081' });
    const dns = await heldBy((st) => st.lastError!.kind === 'network', 'DNS failure');
    assert.match(dns.lastError!.message, /could not reach the collector \(net::ERR_NAME_NOT_RESOLVED\)/);
    // HTTPS against the collector's plain-HTTP port: the TLS handshake fails.
    const since = Date.now();
    await kiosk.configure({ ...good, collectorUrl: viewer.url.replace('http:', 'https:') });
    await kiosk.kick();
    const tls = await until('a TLS error', async () => {
      const st = await kiosk.status();
      return st.lastError && st.lastError.at >= since && /net::ERR_(SSL|CERT)/.test(st.lastError.message) ? st : undefined;
    });
    console.log(`# TLS failure: ${tls.queuedItems} items held; error: ${tls.lastError!.message}`);
    assert.match(await optionsError(), /could not reach the collector/);
    await fixAndDrain('DNS/TLS');
    assert.equal(await optionsError(), '', 'the error is gone once uploads go through');
  });
});
