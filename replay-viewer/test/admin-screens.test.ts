/**
 * The administrator and auditor screens in real Chromium, against the real viewer, a real LevelDB store with integrity
 * keys, the real account file, audit trail and kiosk terminal registry (its status route mounted as the collector):
 * an admin adds a user, changes its role, resets its password, creates and revokes a token, unlocks a backing-off
 * user name, enrols and revokes a
 * terminal (whose queue report shows), runs verify from store health; an auditor pages through exactly 1,200 audit
 * entries (each seen once), filters by actor and UTC days, exports CSV (bytes asserted), reads the chain status
 * (intact, then broken at a tampered entry); every admin API refuses other roles; axe-core finds no serious or
 * critical violation on /admin or /audit.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { CollectorStatusRoute } from '../../proxy/collector/status-route';
import { TerminalRegistry } from '../../proxy/collector/terminals';
import { policyView, terminalAdmin } from '../../scripts/admin-wiring';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { DEFAULT_POLICY } from '../../proxy/masking/index';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { StoreHealthMonitor } from '../admin/store-health';
import { AccountStore, AuditLog, SignInThrottle, ViewerAccess } from '../auth/index';
import { startViewer, type Viewer } from '../server';
import { buildViewerUi } from './build-ui';

const skip = !existsSync(CHROMIUM_PATH);
const PASSWORD = 'admin screens password';
const SID = 'a2hx7k4m5n6p7r8s9t2v3w4x5y';
const DAY = 86_400_000;
const NOV1 = Date.UTC(2026, 10, 1);
const HOSTILE = '=SUM(1+1)';

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let accounts: AccountStore;
let audit: AuditLog;
let terminals: TerminalRegistry;
let browser: Browser;
/** Set while the test writes back-dated entries; otherwise the real time. */
let clock: number | undefined;
/** The back-dated entries: seq → (actor, at). */
const bulk = new Map<number, { actor: string; at: number; n: number; target?: string }>();

before(async () => {
  if (skip) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-admin-'));
  const uiDir = path.join(dir, 'ui');
  const built = buildViewerUi(uiDir);
  const keysDir = path.join(dir, 'keys');
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, sealIntervalMs: 0 } });
  await store.createSession({ id: SID, channel: 'kiosk', startedAt: Date.now() - 5000 });
  await store.appendEvents({ sessionId: SID, page: { id: 'p1', url: 'https://bank.example/' }, seq: 0, receivedAt: Date.now(),
    events: [{ type: 4, timestamp: Date.now() - 4000, data: { href: 'https://bank.example/', width: 800, height: 600 } }] });
  await store.seal(true);
  accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const [name, role] of [['root', 'admin'], ['audra', 'auditor'], ['ana', 'analyst'], ['cora', 'compliance'], ['agnes', 'agent']] as const) {
    await accounts.add(name, role, PASSWORD);
  }
  audit = await AuditLog.open(path.join(dir, 'audit.log'), () => clock ?? Date.now());
  terminals = new TerminalRegistry(path.join(dir, 'terminals.json'));
  const statusRoute = new CollectorStatusRoute(terminals);
  await built;
  viewer = await startViewer({
    store, uiDir,
    // A user name backs off for a minute after two failed sign-ins, so the test sees it locked until unlocked.
    access: new ViewerAccess({ accounts, audit, throttle: new SignInThrottle({ account: { free: 2, baseMs: 60_000, maxMs: 60_000, forgetMs: 600_000 } }) }),
    collector: { handle: (req, res) => statusRoute.handle(req, res) },
    admin: {
      terminals: terminalAdmin(terminals),
      policy: () => policyView({ kiosk: 1825, proxy: 2555 }, DEFAULT_POLICY, path.join(dir, 'masking.json'), true),
      storeHealth: new StoreHealthMonitor({ store, keysDir, verifyResultFile: path.join(dir, 'verify-last.json') }),
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A signed-in page (its own context; CSP bypassed only where axe-core is injected). */
async function signedIn(user: string, opts: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: opts.bypassCSP ?? false });
  const page = await context.newPage();
  const res = await page.request.post(`${viewer.url}/auth/login`, { data: { username: user, password: PASSWORD } });
  assert.equal(res.status(), 200, `${user} signs in`);
  page.on('dialog', (d) => void d.accept());
  return { context, page };
}

/** A cookie and CSRF token for fetch() outside the browser. */
async function apiClient(user: string, password = PASSWORD): Promise<{ cookie: string; csrf: string } | undefined> {
  const res = await fetch(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
  if (res.status !== 200) return undefined;
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf };
}

async function axeProblems(page: Page): Promise<string[]> {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  await page.addScriptTag({ content: await readFile(axePath, 'utf8') });
  const found = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.where.join(', ')}`);
}

describe('the administrator screen', { skip }, () => {
  it('adds a user, changes its role, resets its password, creates and revokes a token, unlocks it', async () => {
    const { context, page } = await signedIn('root');
    try {
      await page.goto(`${viewer.url}/admin`);
      await page.waitForSelector('tr[data-user="root"]');
      await page.fill('#user-name', 'newbie');
      await page.selectOption('#user-role', 'analyst');
      await page.fill('#user-password', 'first password 123');
      await page.click('button:has-text("Add user")');
      await page.waitForSelector('tr[data-user="newbie"]');
      await accounts.refresh();
      assert.equal(accounts.get('newbie')?.role, 'analyst');

      await page.selectOption('[aria-label="Role of newbie"]', 'compliance');
      await page.click('[aria-label="Change role of newbie"]');
      await page.waitForSelector('.admin-feedback:has-text("newbie is now compliance")');
      await accounts.refresh();
      assert.equal(accounts.get('newbie')?.role, 'compliance');
      assert.equal(await page.inputValue('[aria-label="Role of newbie"]'), 'compliance', 'the table shows the new role');

      await page.fill('[aria-label="New password for newbie"]', 'second password 456');
      await page.click('[aria-label="Reset password of newbie"]');
      await page.waitForSelector('.admin-feedback:has-text("Password of newbie reset")');
      assert.equal(await apiClient('newbie', 'first password 123'), undefined, 'the old password no longer works');
      assert.ok(await apiClient('newbie', 'second password 456'), 'the new one does');

      await page.fill('[aria-label="New token label for newbie"]', 'nightly');
      await page.click('[aria-label="New token for newbie"]');
      const token = (await page.textContent('code.secret'))!.trim();
      assert.match(token, /^vbt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      const me = () => fetch(`${viewer.url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.equal(await me(), 200, 'the token works');
      await page.click('[aria-label="Revoke token nightly of newbie"]');
      await page.waitForSelector('.admin-feedback:has-text("revoked")');
      assert.equal(await me(), 401, 'the revoked token does not');
      await accounts.refresh();
      assert.deepEqual(accounts.get('newbie')?.tokens, []);

      // Three wrong passwords: the user name backs off; the admin sees it and lifts it.
      for (let i = 0; i < 3; i++) assert.equal(await apiClient('newbie', `wrong password ${i}00`), undefined);
      assert.equal(await apiClient('newbie', 'second password 456'), undefined, 'backing off: even the right password waits');
      await page.reload();
      await page.waitForSelector('tr[data-user="newbie"] .admin-locked');
      assert.match((await page.textContent('tr[data-user="newbie"] .admin-locked'))!, /^Sign-in backing off \(\d+ s left\)$/);
      await page.click('[aria-label="Unlock newbie"]');
      await page.waitForSelector('.admin-feedback:has-text("newbie may sign in again at once")');
      await page.waitForSelector('tr[data-user="newbie"]:not(:has(.admin-locked))');
      assert.ok(await apiClient('newbie', 'second password 456'), 'unlocked');

      const changes = (await audit.query({ actor: 'root', action: 'config' })).map((e) => e.details?.change).reverse();
      assert.deepEqual(changes, ['user-added', 'role-changed', 'password-set', 'token-created', 'token-revoked', 'unlocked']);
    } finally {
      await context.close();
    }
  });

  it('enrols a terminal, shows the queue it reports, and revokes it', async () => {
    const { context, page } = await signedIn('root');
    try {
      await page.goto(`${viewer.url}/admin#admin-terminals`);
      await page.waitForSelector('#admin-terminals');
      await page.fill('#terminal-id', 'branch-12-kiosk');
      await page.click('button:has-text("Enrol terminal")');
      const token = (await page.textContent('code.secret'))!.trim();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      await page.waitForSelector('tr[data-terminal="branch-12-kiosk"]');
      assert.equal(await page.textContent('tr[data-terminal="branch-12-kiosk"] .terminal-queue'), 'not reported');

      const report = (t: string) => fetch(`${viewer.url}/collect/v1/status`, {
        method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({ terminalId: 'branch-12-kiosk', queue: { items: 3, bytes: 1536 }, dropped: { items: 0, bytes: 0, events: 0 }, refused: 0 }),
      }).then((r) => r.status);
      assert.equal(await report(token), 200);
      await page.reload();
      await page.waitForSelector('tr[data-terminal="branch-12-kiosk"]');
      assert.match((await page.textContent('tr[data-terminal="branch-12-kiosk"] .terminal-queue'))!, /^3 items, 1\.5 KB; reported /);

      await page.click('[aria-label="Revoke terminal branch-12-kiosk"]');
      await page.waitForSelector('tr[data-terminal="branch-12-kiosk"] td:has-text("revoked")');
      assert.ok((await terminals.list()).find((t) => t.id === 'branch-12-kiosk')?.revokedAt, 'revoked in terminals.json');
      assert.equal(await report(token), 401, 'a revoked terminal is refused');
      const changes = (await audit.query({ action: 'config', target: 'terminal:branch-12-kiosk' })).map((e) => e.details?.change).reverse();
      assert.deepEqual(changes, ['terminal-enrolled', 'terminal-revoked']);
    } finally {
      await context.close();
    }
  });

  it('shows store health and policy, and runs verify with its result kept', async () => {
    const { context, page } = await signedIn('root', { bypassCSP: true });
    try {
      await page.goto(`${viewer.url}/admin`);
      await page.waitForSelector('[data-store-health]');
      const checkpoints = await store.audit().checkpoints();
      const seq = JSON.parse(Buffer.from(checkpoints.at(-1)!.value).toString('utf8')).seq as number;
      assert.match((await page.textContent('[data-fact="checkpoint"]'))!, new RegExp(`^#${seq} at .*, \\d+ records, signature valid$`));
      assert.match((await page.textContent('[data-fact="size"]'))!, /^\d+(\.\d)? (B|KB|MB)$/);
      assert.equal(await page.textContent('[data-fact="search"]'), 'search is off');
      assert.match((await page.textContent('.admin-policy'))!, /kiosk1825 days, then erased/);
      assert.equal(await page.textContent('[data-verify]'), 'Never run from here.');

      await page.click('button:has-text("Verify now")');
      await page.waitForSelector('[data-verify="ok"]', { timeout: 30_000 });
      assert.match((await page.textContent('[data-verify="ok"]'))!, /^Verified: no problems\. \d+ chains, \d+ records, \d+ checkpoints \(started .* by root/);
      const kept = JSON.parse(await readFile(path.join(dir, 'verify-last.json'), 'utf8')) as { state: string; by: string; result: { ok: boolean } };
      assert.deepEqual([kept.state, kept.by, kept.result.ok], ['done', 'root', true]);
      assert.equal((await stat(path.join(dir, 'verify-last.json'))).mode & 0o777, 0o600);

      assert.deepEqual(await axeProblems(page), [], 'no serious or critical accessibility violations on /admin');
    } finally {
      await context.close();
    }
  });

  it('refuses every administration route to every other role', async () => {
    const adminRoutes = viewer.routes.filter((r) => r.path === '/admin' || r.path.startsWith('/api/admin') || r.path.startsWith('/api/users'));
    assert.equal(adminRoutes.length, 15);
    const concrete = (p: string) => p.replace(':name', 'newbie').replace(':tokenId', '0123456789ab').replace(':id', 'branch-12-kiosk');
    const before = (await audit.verify()).entries;
    for (const user of ['ana', 'cora', 'agnes', 'audra']) {
      const c = (await apiClient(user))!;
      for (const r of adminRoutes) {
        const res = await fetch(viewer.url + concrete(r.path), {
          method: r.method, headers: { cookie: c.cookie, 'x-verbatim-csrf': c.csrf, 'content-type': 'application/json' },
          body: r.method === 'GET' ? undefined : JSON.stringify({ id: 'x', name: 'x', role: 'admin', password: 'long enough password' }),
        });
        assert.equal(res.status, 403, `${user} → ${r.method} ${r.path}`);
      }
    }
    await accounts.refresh();
    assert.equal(accounts.get('x'), undefined);
    assert.ok((await audit.verify()).entries >= before + 4 * 15, 'each refusal is on record (plus the sign-ins)');
  });
});

describe('the audit trail screen', { skip }, () => {
  it('pages through all 1,200 entries once each, filters by actor and day, exports CSV, explains the chain', async () => {
    const { context, page } = await signedIn('audra', { bypassCSP: true });
    try {
      // Back-dated entries up to 1,199: the page's first read is then entry 1,200.
      let n = 0;
      for (let have = (await audit.verify()).entries; have < 1199; have++, n++) {
        clock = NOV1 + n * 3_600_000;
        const actor = n % 2 ? 'bulk-b' : 'bulk-a';
        const target = n === 30 ? HOSTILE : `session-${n}`;
        const e = await audit.append({ actor, role: 'analyst', action: 'view', outcome: 'ok', target, details: { n } });
        bulk.set(e.seq, { actor, at: e.at, n, target });
      }
      clock = undefined;
      assert.ok(n > 1000, `${n} back-dated entries`);

      await page.goto(`${viewer.url}/audit?size=100`);
      await page.waitForSelector('.audit-chain[data-chain]');
      assert.equal(await page.getAttribute('.audit-chain', 'data-chain'), 'intact');
      assert.match((await page.textContent('.audit-chain strong'))!, /^Audit chain: Intact: all 1,200 entries link up\.$/);

      const seen: number[] = [];
      for (let pageNo = 0; ; pageNo++) {
        const seqs = await page.$$eval('tr[data-seq]', (trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.seq)));
        seen.push(...seqs);
        assert.equal(await page.textContent('.list-status'), `Entries ${pageNo * 100 + 1}–${pageNo * 100 + seqs.length} of 1200 (newest first).`);
        if (await page.isDisabled('button:has-text("Older entries")')) break;
        const first = seqs[0];
        await page.click('button:has-text("Older entries")');
        await page.waitForFunction((f) => Number(document.querySelector('tr[data-seq]')?.getAttribute('data-seq')) !== f, first);
      }
      assert.equal(seen.length, 1200);
      assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 1200 }, (_, i) => i + 1), 'every entry exactly once');
      assert.deepEqual(seen, [...seen].sort((a, b) => b - a), 'newest first');
      // And back: "Newer" returns the page before.
      await page.click('button:has-text("Newer entries")');
      await page.waitForFunction(() => document.querySelector('.list-status')?.textContent?.startsWith('Entries 1001–1100 of 1200'));

      // Actor bulk-a, 2 and 3 November (UTC).
      await page.fill('#audit-actor', 'bulk-a');
      await page.fill('#audit-from', '2026-11-02');
      await page.fill('#audit-to', '2026-11-03');
      // From the keyboard: Enter in a filter field applies the filters.
      await page.press('#audit-actor', 'Enter');
      const from = NOV1 + DAY;
      const to = NOV1 + 3 * DAY - 1;
      const expected = [...bulk.entries()].filter(([, b]) => b.actor === 'bulk-a' && b.at >= from && b.at <= to).map(([seq]) => seq);
      assert.equal(expected.length, 24, 'every other hour of two days');
      await page.waitForFunction(() => document.querySelector('.list-status')?.textContent === 'Entries 1–24 of 24 (newest first).');
      const shown = await page.$$eval('tr[data-seq]', (trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.seq)));
      assert.deepEqual(shown, [...expected].reverse());
      assert.match(page.url(), /\/audit\?actor=bulk-a&from=2026-11-02&to=2026-11-03&size=100$/);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Export CSV")')]);
      const csv = await readFile((await download.path())!, 'utf8');
      const entries = await audit.query({ actor: 'bulk-a', from, to });
      const rows = entries.reverse().map((e) => {
        const b = bulk.get(e.seq)!;
        const target = b.target === HOSTILE ? `'${HOSTILE}` : b.target;
        return `${e.seq},${new Date(b.at).toISOString()},bulk-a,analyst,view,ok,${target},"{""n"":${b.n}}",${e.prev},${e.hash}`;
      });
      assert.equal(csv, ['seq,at,actor,role,action,outcome,target,details,prev,hash', ...rows, ''].join('\r\n'));
      assert.ok(csv.includes(`,'${HOSTILE},`), 'the hostile target is defused');
      assert.equal(download.suggestedFilename(), 'verbatim-audit.csv');

      assert.deepEqual(await axeProblems(page), [], 'no serious or critical accessibility violations on /audit');

      // A tampered entry: the page says where the chain breaks and what that means.
      const file = path.join(dir, 'audit.log');
      const original = await readFile(file, 'utf8');
      await writeFile(file, original.replace('"actor":"bulk-a","role":"analyst","action":"view","outcome":"ok","target":"session-16"', '"actor":"bulk-z","role":"analyst","action":"view","outcome":"ok","target":"session-16"'));
      const tamperedSeq = [...bulk.entries()].find(([, b]) => b.n === 16)![0];
      await page.goto(`${viewer.url}/audit`);
      await page.waitForSelector('.audit-chain[data-chain="broken"]');
      assert.match((await page.textContent('.audit-chain strong'))!, new RegExp(`^Audit chain: Broken at entry ${tamperedSeq} of 1,\\d{3}\\.$`));
      assert.match((await page.textContent('.audit-chain p'))!, new RegExp(`^Entry ${tamperedSeq} does not match .* Entries 1 to ${tamperedSeq - 1} are as written`));
      await writeFile(file, (await readFile(file, 'utf8')).replace('"actor":"bulk-z"', '"actor":"bulk-a"'));
      assert.equal((await audit.verify()).ok, true, 'restored');
    } finally {
      await context.close();
    }
  });

  it('fits 1280 × 800 and 1920 × 1080 without a page-wide horizontal scroll, for both screens', async () => {
    for (const [user, url, ready] of [['root', '/admin', '[data-store-health]'], ['audra', '/audit', '.audit-chain[data-chain]']] as const) {
      const { context, page } = await signedIn(user);
      try {
        for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
          await page.setViewportSize(viewport);
          await page.goto(viewer.url + url);
          await page.waitForSelector(ready);
          // <main> is the scrolling box of list views (styles.css): neither it nor the document may scroll sideways.
          const { scroll, client } = await page.evaluate(() => {
            const boxes = [document.documentElement, document.querySelector('main')!];
            return { scroll: Math.max(...boxes.map((b) => b.scrollWidth - b.clientWidth)), client: 0 };
          });
          assert.ok(scroll <= client, `${url} at ${viewport.width}: ${scroll} px wider than its box`);
          // For the closing note: VERBATIM_SCREENSHOTS=<dir> keeps a full-page picture of each screen and size.
          const shots = process.env.VERBATIM_SCREENSHOTS;
          if (shots) await page.screenshot({ path: path.join(shots, `${url.slice(1)}-${viewport.width}x${viewport.height}.png`), fullPage: true });
        }
      } finally {
        await context.close();
      }
    }
  });

  it('lets the administrator read the trail but not the auditor administer', async () => {
    const admin = (await apiClient('root'))!;
    const res = await fetch(`${viewer.url}/api/audit?limit=5&actor=bulk-b`, { headers: { cookie: admin.cookie } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { entries: { seq: number; actor: string }[]; next?: number; total: number };
    assert.equal(body.entries.length, 5);
    assert.ok(body.entries.every((e) => e.actor === 'bulk-b'));
    assert.equal(body.next, body.entries[4]!.seq);
    const bad = await fetch(`${viewer.url}/api/audit?before=abc`, { headers: { cookie: admin.cookie } });
    assert.equal(bad.status, 400);
    const json = await fetch(`${viewer.url}/api/audit/export?format=json&actor=bulk-b&from=${NOV1}&to=${NOV1 + 4 * 3_600_000}`, { headers: { cookie: admin.cookie } });
    const doc = (await json.json()) as { chain: { ok: boolean }; entries: { actor: string }[] };
    assert.equal(doc.chain.ok, true);
    assert.deepEqual(doc.entries.map((e) => e.actor), ['bulk-b', 'bulk-b']);
  });
});
