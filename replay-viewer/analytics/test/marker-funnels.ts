/**
 * Funnel steps by custom marker and by request (index/markers.ts, index/requests.ts, funnel-sql.ts) over sessions
 * recorded straight into a real store and followed into the index: counts, medians and drops exactly as the sessions
 * make them, wildcards, status classes and methods told apart, a mark from before the recorder ran still after its
 * page, static assets left out, and an erased session's markers and requests gone. Run by reports.test.ts on its
 * store and its PostgreSQL cluster (one cluster per file: the suite's time budget); its sessions are on the day after
 * that file's corpus, so neither sees the other's.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LevelStore } from '../../../store/level/level-store';
import type { OpenedSearch } from '../../search/index';
import { parseQuery } from '../../search/query/index';
import { frag } from '../../search/sql-fragment';
import { Tree, batch, custom, full, meta } from '../../search/test/extract-fixtures';
import type { Bench } from '../../search/test/index-fixtures';
import { parseDefinition, type FunnelDefinition } from '../funnels/definition';
import { funnelReport, type FunnelReport } from '../funnels/funnel-report';
import { rowsOf } from '../query/run-query';

const SITE = 'https://bank.example';
const T0 = Date.UTC(2026, 10, 3, 9);
const PERIOD = { from: T0, to: T0 + 86_400_000 };
const MARKER = 'verbatim:marker';
/** This corpus's sessions, in the index shared with reports.test.ts's. */
const MINE = "s.id LIKE 'mk-%'";

interface Step { at: number; marker?: string; source?: 'mark' | 'dataLayer'; time?: number; request?: { method: string; path: string; status: number; destination?: string } }
interface Fixture { id: string; url: string; steps: Step[] }

/** Offsets from each session's start (its page's first event). */
function sessions(): Fixture[] {
  const m = 60_000;
  const full3 = (i: number, a: number, b: number, c: number): Fixture => ({
    id: `mk-full-${i}`, url: '/checkout', steps: [
      { at: a, marker: i === 1 ? 'checkout_start' : 'checkout_review', source: 'dataLayer' },
      { at: a + b, request: { method: 'POST', path: `/api/transfers`, status: 201, destination: 'empty' } },
      { at: a + b + c, marker: 'purchase', source: 'mark' },
      // A receipt by id (the pattern keeps `:id`), and the bundle the page loads (a static asset: not a step).
      { at: a + b + c + 100, request: { method: 'GET', path: `/api/receipts/${900_000 + i}`, status: 200, destination: 'empty' } },
      { at: 50, request: { method: 'GET', path: '/static/app.js', status: 200, destination: 'script' } },
    ],
  });
  const list: Fixture[] = [
    // Gaps marker→request→purchase: 1000/1000/1000, 1200/1400/1300, 1400/1800/1600.
    full3(1, 1000, 1000, 1000),
    full3(2, 1200, 1400, 1300),
    full3(3, 1400, 1800, 1600),
    // The transfer is refused (422): drops after the marker; its later purchase mark does not count.
    { id: 'mk-refused-4', url: '/checkout', steps: [
      { at: 1600, marker: 'checkout_start', source: 'dataLayer' },
      { at: 2600, request: { method: 'POST', path: '/api/transfers', status: 422 } },
      { at: 3000, marker: 'purchase', source: 'mark' },
    ] },
    // A mark made before the recorder ran (its time before the page's first event) still follows the page; a GET of
    // the same path is not the POST.
    { id: 'mk-early-5', url: '/checkout', steps: [
      { at: 10, marker: 'checkout_start', source: 'mark', time: -3000 },
      { at: 2000, request: { method: 'GET', path: '/api/transfers', status: 200, destination: 'empty' } },
    ] },
    // The page only.
    { id: 'mk-page-6', url: '/checkout', steps: [] },
    // Elsewhere: never at step 1.
    { id: 'mk-other-7', url: '/accounts/123456', steps: [{ at: 500, marker: 'purchase', source: 'mark' }] },
    // Purchase before the checkout marker (wrong order), then the transfer: reaches step 3, drops there.
    { id: 'mk-order-8', url: '/checkout', steps: [
      { at: 500, marker: 'purchase', source: 'mark' },
      { at: 1000, marker: 'checkout_start', source: 'dataLayer' },
      { at: 2000, request: { method: 'POST', path: '/api/transfers', status: 200 } },
    ] },
  ];
  return list.map((f, i) => ({ ...f, start: T0 + (i + 1) * m })) as (Fixture & { start: number })[];
}

export async function recordMarkerSessions(store: LevelStore): Promise<void> {
  for (const f of sessions() as (Fixture & { start: number })[]) {
    const t = f.start;
    await store.createSession({ id: f.id, channel: 'proxy', startedAt: t, browser: 'Chrome 140', os: 'Linux', deviceType: 'desktop' });
    const url = `${SITE}${f.url}`;
    const page = `${f.id}-p0`;
    const tree = new Tree();
    const root = tree.page('Checkout', tree.el('p', {}, 'Checkout')).root;
    const markers = f.steps.filter((s) => s.marker).map((s) => custom(t + s.at, MARKER, {
      name: s.marker, source: s.source, ...(s.time !== undefined ? { time: t + s.time } : {}),
    }));
    await store.appendEvents({ ...batch([meta(t, url), full(t + 5, root), ...markers], { url, page, title: 'Checkout' }), sessionId: f.id });
    for (const [i, s] of f.steps.entries()) {
      if (!s.request) continue;
      await store.putCapture({
        id: `${f.id}-c${i}`, sessionId: f.id, method: s.request.method, url: `${SITE}${s.request.path}?ref=abc`, status: s.request.status,
        headers: [], startedAt: t + s.at, timing: { headersMs: 10, totalMs: 20 }, body: null,
        ...(s.request.destination ? { destination: s.request.destination } : {}),
      });
    }
  }
}

const CHECKOUT: FunnelDefinition = parseDefinition({
  name: 'Checkout by markers',
  steps: [
    { kind: 'page', match: '/checkout', label: 'Checkout' },
    { kind: 'marker', match: 'checkout_*', label: 'Started' },
    { kind: 'request', match: 'post /api/transfers 2XX', label: 'Sent' },
    { kind: 'marker', match: 'purchase', label: 'Purchase' },
  ],
});

const RECEIPT: FunnelDefinition = parseDefinition({
  name: 'Receipt',
  steps: [
    { kind: 'marker', match: 'purchase' },
    { kind: 'request', match: '* Bank.Example/api/receipts/* 200' },
  ],
});

/** The tests, inside a backend's describe whose `before` recorded these sessions; each report goes to `answer`. */
export function markerFunnelTests(ctx: () => { b: Bench; s: OpenedSearch }, answer: (reports: FunnelReport[]) => void): void {

  it('reads request matches one way, and refuses one that is not METHOD /path [status]', () => {
    assert.equal(CHECKOUT.steps[2]!.match, 'POST /api/transfers 2xx');
    assert.equal(CHECKOUT.steps[2]!.label, 'Sent');
    assert.equal(RECEIPT.steps[1]!.label, 'request * bank.example/api/receipts/* 200');
    for (const match of ['POST api/transfers', '/api/transfers', 'POST /api/x 6xx', 'POST /a b c', 'POST ba nk/x', 'POST https://bank.example/x']) {
      assert.throws(() => parseDefinition({ name: 'x', steps: [{ kind: 'page', match: '/' }, { kind: 'request', match }] }), /a request is METHOD/, match);
    }
    assert.throws(() => parseDefinition({ name: 'x', steps: [{ kind: 'page', match: '/' }, { kind: 'marker', match: 'm'.repeat(101) }] }), /at most 100/);
  });

  it('counts marker and request steps, their medians and drops exactly', async () => {
    const r = await funnelReport(ctx().s.index.analyticsDb(), CHECKOUT, PERIOD);
    assert.equal(r.sessions, 7);
    assert.deepEqual(r.steps.map((x) => x.reached), [7, 6, 4, 3]);
    assert.deepEqual(r.steps.map((x) => x.dropped), [1, 2, 1, 0]);
    // Step 2: 1000, 1200, 1400, 1600, 1 (the early mark, moved just after its page), 1000. Step 3: 1000, 1400,
    // 1800, 1000. Step 4: 1000, 1300, 1600.
    assert.deepEqual(r.steps.map((x) => x.medianMs), [null, 1_100, 1_200, 1_300]);
    const start = Object.fromEntries((sessions() as (Fixture & { start: number })[]).map((f) => [f.id, f.start]));
    assert.deepEqual(r.steps[0]!.drops.map((d) => [d.session, d.at - start[d.session]!]), [['mk-page-6', 0]]);
    assert.deepEqual(r.steps[1]!.drops.map((d) => [d.session, d.at - start[d.session]!]), [['mk-early-5', 1], ['mk-refused-4', 1600]]);
    assert.deepEqual(r.steps[2]!.drops.map((d) => [d.session, d.at - start[d.session]!]), [['mk-order-8', 2000]]);
    const receipt = await funnelReport(ctx().s.index.analyticsDb(), RECEIPT, PERIOD);
    assert.deepEqual(receipt.steps.map((x) => x.reached), [6, 3]);
    assert.deepEqual(receipt.steps.map((x) => x.medianMs), [null, 100]);
    // Another host's receipts are not the bank's.
    const elsewhere = await funnelReport(ctx().s.index.analyticsDb(), { ...RECEIPT, steps: [RECEIPT.steps[0]!, { ...RECEIPT.steps[1]!, match: '* cdn.example/api/receipts/*' }] }, PERIOD);
    assert.deepEqual(elsewhere.steps.map((x) => x.reached), [6, 0]);
    answer([r, receipt]);
  });

  it('keeps markers by name and source, and requests as patterns without static assets', async () => {
    const db = ctx().s.index.analyticsDb();
    const markers = await rowsOf(db, frag(`SELECT m.name, m.source, COUNT(*) FROM markers m JOIN sessions s ON s.sid = m.sid WHERE ${MINE} GROUP BY m.name, m.source ORDER BY m.name`));
    assert.deepEqual(markers.map((r) => r.map(String)), [
      ['checkout_review', 'dataLayer', '2'], ['checkout_start', 'dataLayer', '3'], ['checkout_start', 'mark', '1'], ['purchase', 'mark', '6'],
    ]);
    const requests = await rowsOf(db, frag(`SELECT method, host, url, status, COUNT(*) FROM requests r JOIN sessions s ON s.sid = r.sid WHERE ${MINE} GROUP BY method, host, url, status ORDER BY url, method, status`));
    assert.deepEqual(requests.map((r) => r.map(String)), [
      ['GET', 'bank.example', '/api/receipts/:id', '200', '3'],
      ['GET', 'bank.example', '/api/transfers', '200', '1'],
      ['POST', 'bank.example', '/api/transfers', '200', '1'],
      ['POST', 'bank.example', '/api/transfers', '201', '3'],
      ['POST', 'bank.example', '/api/transfers', '422', '1'],
    ]);
  });

  it('finds sessions by marker:<name> in search, THEN sequences too', async () => {
    const ids = async (q: string) => (await ctx().s.index.search(parseQuery(q), { limit: 20 })).results.map((r) => r.session.id).sort();
    assert.deepEqual(await ids('marker:checkout_start'), ['mk-early-5', 'mk-full-1', 'mk-order-8', 'mk-refused-4']);
    assert.deepEqual(await ids('marker:checkout_start THEN marker:purchase'), ['mk-full-1', 'mk-refused-4']);
    assert.deepEqual(await ids('marker:purchase AND status:422'), ['mk-refused-4']);
  });

  it('forgets an erased session: its markers, its requests, its counts', async () => {
    await ctx().b.store.eraseSession('mk-full-1', { reason: 'test' });
    await ctx().s.follower.catchUp();
    const r = await funnelReport(ctx().s.index.analyticsDb(), CHECKOUT, PERIOD);
    assert.deepEqual(r.steps.map((x) => x.reached), [6, 5, 3, 2]);
    const db = ctx().s.index.analyticsDb();
    const left = await rowsOf(db, frag(`SELECT (SELECT COUNT(*) FROM markers m JOIN sessions s ON s.sid = m.sid WHERE ${MINE} AND name = 'checkout_start'),
        (SELECT COUNT(*) FROM requests r JOIN sessions s ON s.sid = r.sid WHERE ${MINE} AND status = 201)`));
    assert.deepEqual(left[0]!.map(Number), [3, 2]);
  });
}
