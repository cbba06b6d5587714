/**
 * `npm run screenshots`: a PNG of every viewer screen, for docs and the issue's closing note. It makes a throw-away
 * data directory, adds an account per role, starts a real `verbatim start`, records journeys over the sample bank in
 * Chromium through its proxy (scripts/screenshots/record-journeys.ts), waits for the search index to have them, seeds
 * a review run and a funnel through the API, keeps one customer's visit open for the live view, then signs in as each
 * role and saves the screens of scripts/screenshots/screens.ts to docs/screenshots/ (1280 × 800, the player also at
 * 1920 × 1080), and writes docs/SCREENSHOTS.md listing them (with `--out DIR`: the pictures and an index.md in DIR,
 * the docs untouched). A screen whose route is missing is skipped and said so.
 *
 *   npm run screenshots [-- --out DIR] [-- --only name,name]
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright';
import { launchChromium } from './chromium';
import { loadOrCreateCa } from '../proxy/ca';
import { startSampleBank } from './sample-bank/server';
import { CUSTOMER, recordJourneys, settle } from './screenshots/record-journeys';
import { SCREENS, type Screen, type Seeded } from './screenshots/screens';
import { addAccounts, PASSWORD, startVerbatim, writeIdentityRules, type Role } from './screenshots/verbatim-process';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const outDir = path.resolve(arg('--out') ?? path.join(root, 'docs', 'screenshots'));
const only = arg('--only')?.split(',');
/** The size docs keep each picture under. */
const MAX_BYTES = 300 * 1024;

const log = (line: string): void => void process.stdout.write(`${line}\n`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-screenshots-'));
let browser: Browser | undefined;
let stopVerbatim: (() => Promise<void>) | undefined;
let closeBank: (() => Promise<void>) | undefined;
let liveMoves: NodeJS.Timeout | undefined;
try {
  await writeIdentityRules(dataDir);
  await addAccounts(dataDir);
  const verbatim = await startVerbatim(dataDir);
  stopVerbatim = verbatim.stop;
  log(`Verbatim on ${verbatim.viewerUrl}, proxy ${verbatim.proxyUrl}`);
  const bank = await startSampleBank();
  closeBank = () => bank.close();
  const ca = await loadOrCreateCa(dataDir);
  const recording = await launchChromium({ server: verbatim.proxyUrl, spkiFingerprint: ca.spkiFingerprint });
  log('Recording journeys over the sample bank…');
  await recordJourneys(recording, bank.url);

  browser = await launchChromium();
  const api = await signedIn(browser, verbatim.viewerUrl, 'compliance');
  const seeded = await seed(api, verbatim.viewerUrl);
  // One customer still on the site: the live view needs a session recording now.
  const liveContext = await recording.newContext({ viewport: { width: 1280, height: 800 } });
  seeded.liveSessionId = await keepLive(liveContext, api, verbatim.viewerUrl, bank.url);
  await api.close();

  await mkdir(outDir, { recursive: true });
  for (const f of await readdir(outDir)) if (f.endsWith('.png') && !only) await rm(path.join(outDir, f));
  const saved: { file: string; caption: string }[] = [];
  for (const screen of SCREENS) {
    if (only && !only.includes(screen.name)) continue;
    saved.push(...await shoot(browser, verbatim.viewerUrl, screen, seeded));
  }
  clearInterval(liveMoves);
  await liveContext.close();
  await recording.close();
  if (!only) await writeIndex(saved);
  log(`${saved.length} screenshots in ${path.relative(root, outDir) || outDir}`);
} finally {
  clearInterval(liveMoves);
  await browser?.close();
  await stopVerbatim?.();
  await closeBank?.();
  await rm(dataDir, { recursive: true, force: true });
}

async function signedIn(b: Browser, viewerUrl: string, role: Role, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const context = await b.newContext({ viewport });
  const res = await context.request.post(`${viewerUrl}/auth/login`, { data: { username: role, password: PASSWORD } });
  if (res.status() !== 200) throw new Error(`${role} could not sign in: ${res.status()} ${await res.text()}`);
  return context;
}

/** Waits until the recorded sessions are stored and searchable, then adds a review run and a funnel (best effort). */
async function seed(context: BrowserContext, viewerUrl: string): Promise<Seeded> {
  const get = async <T>(p: string): Promise<T> => {
    const res = await context.request.get(`${viewerUrl}${p}`);
    if (!res.ok()) throw new Error(`GET ${p}: ${res.status()}`);
    return (await res.json()) as T;
  };
  const sessions = await until('three recorded sessions', async () => {
    const list = await get<{ id: string; pages: unknown[] }[]>('/api/sessions?limit=50');
    return list.filter((s) => s.pages.length > 0).length >= 3 ? list : undefined;
  });
  // The player shows the session with the most struggle.
  let best = { id: sessions[0]!.id, score: -1 };
  for (const s of sessions) {
    const { score } = await get<{ score: number }>(`/api/sessions/${s.id}/signals`).catch(() => ({ score: 0 }));
    if (score > best.score) best = { id: s.id, score };
  }
  log(`Player session ${best.id} (struggle score ${best.score})`);
  await until('the search index to hold the sessions', async () => {
    const res = await context.request.get(`${viewerUrl}/api/search?q=${encodeURIComponent('status:>=400')}`);
    if (res.status() === 404) return 'no search';
    const body = (await res.json().catch(() => ({}))) as { results?: unknown[]; sessions?: unknown[] };
    return (body.results ?? body.sessions ?? []).length > 0 ? 'indexed' : undefined;
  }, 60_000).catch((err: Error) => log(`  (search: ${err.message}; search screens may be empty)`));

  const me = await get<{ csrf?: string }>('/api/me');
  const post = async <T>(p: string, data: unknown, as: BrowserContext = context, csrf = me.csrf): Promise<T | undefined> => {
    const res = await as.request.post(`${viewerUrl}${p}`, { data, headers: { 'x-verbatim-csrf': csrf ?? '' } });
    if (!res.ok()) {
      log(`  (POST ${p}: ${res.status()} ${(await res.text()).slice(0, 200)}; skipped)`);
      return undefined;
    }
    return (await res.json().catch(() => undefined)) as T | undefined;
  };
  const search = await post<{ id?: string; search?: { id: string } }>('/api/reviews/searches', { name: 'Failed requests', query: 'status:>=400', schedule: 'none' });
  const searchId = search?.id ?? search?.search?.id;
  const run = searchId ? await post<{ run?: { runId: string } }>(`/api/reviews/searches/${searchId}/runs`, { from: Date.now() - 86_400_000, to: Date.now() + 60_000 }) : undefined;
  const analyst = await signedIn(browser!, viewerUrl, 'analyst');
  const analystMe = (await (await analyst.request.get(`${viewerUrl}/api/me`)).json()) as { csrf?: string };
  await post('/api/analytics/funnels', {
    name: 'Home to accounts',
    steps: [{ kind: 'page', match: '/', label: 'Home' }, { kind: 'page', match: '/login', label: 'Log in' }, { kind: 'page', match: '/accounts', label: 'Accounts' }],
  }, analyst, analystMe.csrf);
  await analyst.close();
  return { sessionId: best.id, customerId: CUSTOMER, reviewRunId: run?.run?.runId };
}

async function keepLive(context: BrowserContext, api: BrowserContext, viewerUrl: string, bankUrl: string): Promise<string | undefined> {
  try {
    const before = new Set(((await (await api.request.get(`${viewerUrl}/api/sessions?limit=50`)).json()) as { id: string }[]).map((s) => s.id));
    const page = await context.newPage();
    await page.goto(`${bankUrl}/`);
    await settle(page);
    // The customer keeps moving: the recorder uploads every 0.5 s while watched, so the live badge shows a real lag.
    let x = 0;
    liveMoves = setInterval(() => void page.mouse.move(300 + (x++ % 2) * 200, 300).catch(() => undefined), 700);
    return await until('the live session', async () => {
      const list = (await (await api.request.get(`${viewerUrl}/api/sessions?limit=50`)).json()) as { id: string }[];
      return list.find((s) => !before.has(s.id))?.id;
    });
  } catch (err) {
    log(`  (live view: ${(err as Error).message}; skipped)`);
    return undefined;
  }
}

async function shoot(b: Browser, viewerUrl: string, screen: Screen, seeded: Seeded): Promise<{ file: string; caption: string }[]> {
  const target = screen.path(seeded);
  if (target === undefined) {
    log(`skip ${screen.name}: nothing recorded for it`);
    return [];
  }
  const saved: { file: string; caption: string }[] = [];
  for (const size of screen.sizes) {
    const context = screen.role ? await signedIn(b, viewerUrl, screen.role, size) : await b.newContext({ viewport: size });
    const page = await context.newPage();
    try {
      const res = await page.goto(`${viewerUrl}${target}`);
      const status = res?.status() ?? 0;
      if (status === 404 || status === 403) {
        log(`skip ${screen.name}: ${target} answers ${status} in this build`);
        return saved;
      }
      const [notFound] = await Promise.all([page.$('text=Page not found.'), page.waitForLoadState('networkidle')]);
      if (notFound) {
        log(`skip ${screen.name}: the UI has no page at ${target}`);
        return saved;
      }
      await screen.prepare?.(page);
      await calm(page);
      const file = `${screen.name}${size.width === 1280 ? '' : `-${size.width}`}.png`;
      const bytes = await page.screenshot({ path: path.join(outDir, file) });
      const { size: onDisk } = await stat(path.join(outDir, file));
      log(`saved ${file} (${Math.round(onDisk / 1024)} KB)${bytes.length > MAX_BYTES ? ' — over 300 KB' : ''}`);
      saved.push({ file, caption: `${screen.caption}${size.width === 1280 ? '' : ` (${size.width} × ${size.height})`}` });
    } catch (err) {
      log(`skip ${screen.name}: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      await context.close();
    }
  }
  return saved;
}

/** Lets late requests and transitions finish, and hides the text caret, so pictures do not depend on timing. */
async function calm(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.addStyleTag({ content: '*, *::before, *::after { caret-color: transparent !important; transition: none !important; animation: none !important; }' });
  await page.waitForTimeout(400);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** docs/SCREENSHOTS.md for the docs' own pictures; an index.md beside them for `--out` elsewhere (the docs' list stays true). */
async function writeIndex(saved: { file: string; caption: string }[]): Promise<void> {
  const docsDir = path.join(root, 'docs', 'screenshots');
  const indexFile = outDir === docsDir ? path.join(root, 'docs', 'SCREENSHOTS.md') : path.join(outDir, 'index.md');
  const rel = path.relative(path.dirname(indexFile), outDir) || '.';
  const text = `# Screenshots

Made by \`npm run screenshots\` (scripts/screenshots.ts): a throw-away data directory, an account per role, a real
\`verbatim start\`, journeys recorded in Chromium through its proxy over the sample bank (one with a rage click, a dead
click, a form error, a 404 and a console error), then each screen as the role that uses it, at 1280 × 800 (the player
also at 1920 × 1080). Screens whose route this build lacks are skipped. Re-run it after changing a screen.

${saved.map((s) => `- [\`${s.file}\`](${rel}/${s.file}): ${s.caption}`).join('\n')}
`;
  await writeFile(indexFile, text);
}
