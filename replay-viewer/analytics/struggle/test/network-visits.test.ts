/** slow and failed requests, quick back, dwell times and their outliers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStruggleDetector, dwellCutoffs, dwellSignals } from '../index';
import { batchOf, capture, detect, hidden, meta, names, still, T0 } from './fixtures';

const site = batchOf([meta(T0, 'https://www.bank.co.uk/pay'), still(T0 + 20_000)], { url: 'https://www.bank.co.uk/pay' });

describe('slow and failed requests', () => {
  it('slow: a request slower than 3 s, host named, third party flagged by registrable domain', () => {
    const s = detect([site], [
      capture(T0 + 1_000, 'https://api.bank.co.uk/rates', 200, { timing: { headersMs: 3_400, totalMs: 3_500 } }),
      capture(T0 + 2_000, 'https://cdn.widgets.example/w.js', 200, { destination: 'script', timing: { headersMs: 100, totalMs: 4_000 } }),
      capture(T0 + 3_000, 'https://api.bank.co.uk/ok', 200, { timing: { headersMs: 100, totalMs: 2_500 } }),
      capture(T0 + 4_000, 'https://api.bank.co.uk/events', 200, { headers: [['content-type', 'text/event-stream']], timing: { headersMs: 10, totalMs: 60_000 } }),
    ]);
    assert.deepEqual(s.map((x) => [x.name, x.url, x.detail?.host, x.detail?.thirdParty, x.detail?.durationMs]), [
      ['slow', 'https://api.bank.co.uk/rates', 'api.bank.co.uk', false, 3_500],
      ['slow', 'https://cdn.widgets.example/w.js', 'cdn.widgets.example', true, 4_000],
    ]);
  });

  it('failed: 5xx and network errors always, 4xx only on fetch/XHR; Verbatim\'s own endpoints never', () => {
    const s = detect([site], [
      capture(T0 + 1_000, 'https://api.bank.co.uk/a', 502),
      capture(T0 + 2_000, 'https://pay.other.example/b', 0, { destination: 'script' }),
      capture(T0 + 3_000, 'https://api.bank.co.uk/c', 404),
      capture(T0 + 4_000, 'https://www.bank.co.uk/logo.png', 404, { destination: 'image' }),
      capture(T0 + 5_000, 'https://www.bank.co.uk/__verbatim/events', 500),
      capture(T0 + 6_000, 'https://www.bank.co.uk/d', 200, { incomplete: { reason: 'upstream-aborted' } }),
    ]);
    assert.deepEqual(s.map((x) => [x.name, x.at - T0, x.detail?.failure, x.detail?.thirdParty]), [
      ['failed', 1_000, 'status 502', false], ['failed', 2_000, 'network error', true], ['failed', 3_000, 'status 404', false], ['failed', 6_000, 'network error', false],
    ]);
  });
});

describe('quick back', () => {
  const visit = (page: string, url: string, from: number, to: number) => batchOf([meta(from, url), still(to), hidden(to)], { page, url });
  it('fires when a page is left and its URL comes back within 7 s, naming the page bounced off', () => {
    const s = detect([visit('a', 'https://bank.example/accounts', T0, T0 + 10_000), visit('b', 'https://bank.example/cards?id=1', T0 + 10_100, T0 + 12_000), visit('c', 'https://bank.example/accounts', T0 + 12_100, T0 + 20_000)]);
    assert.deepEqual(s, [{ name: 'quickback', at: T0 + 12_100, pageId: 'c', url: 'https://bank.example/cards', detail: { backTo: 'https://bank.example/accounts', awayMs: 2_000 } }]);
  });

  it('fires inside a single-page app from the recorder\'s route events, though one upload shows only the last URL', () => {
    const route = (at: number, href: string) => ({ type: 5, timestamp: at, data: { tag: 'verbatim:route', payload: { href } } });
    const app = [meta(T0, 'https://bank.example/spa/a'), route(T0 + 3_000, 'https://bank.example/spa/b'), route(T0 + 5_000, 'https://bank.example/spa/a'), still(T0 + 6_000)];
    const s = detect([batchOf(app, { url: 'https://bank.example/spa/a' })]);
    assert.deepEqual(s, [{ name: 'quickback', at: T0 + 5_000, pageId: 'p1', url: 'https://bank.example/spa/b', detail: { backTo: 'https://bank.example/spa/a', awayMs: 2_000 } }]);
    const withoutRoutes = app.filter((e) => e.type !== 5);
    assert.deepEqual(detect([batchOf(withoutRoutes, { url: 'https://bank.example/spa/a' })]), [], 'the upload alone never saw /spa/b');
  });

  it('does not fire after a long visit, nor for a reload of the same URL', () => {
    assert.deepEqual(detect([visit('a', 'https://bank.example/accounts', T0, T0 + 10_000), visit('b', 'https://bank.example/cards', T0 + 10_100, T0 + 30_000), visit('c', 'https://bank.example/accounts', T0 + 30_100, T0 + 40_000)]), []);
    assert.deepEqual(detect([visit('a', 'https://bank.example/accounts', T0, T0 + 1_000), visit('b', 'https://bank.example/accounts', T0 + 1_100, T0 + 2_000)]), []);
  });
});

describe('dwell', () => {
  it('gives each URL visit with its length (a single-page route change, seen at the upload after its last event, splits a page)', () => {
    const d = createStruggleDetector();
    d.batch(batchOf([meta(T0, 'https://bank.example/a'), still(T0 + 4_000)], { url: 'https://bank.example/a' }));
    d.batch(batchOf([still(T0 + 6_000)], { url: 'https://bank.example/b', seq: 1 }));
    d.batch(batchOf([still(T0 + 9_000), hidden(T0 + 9_500), still(T0 + 9_600)], { url: 'https://bank.example/b', seq: 2 }));
    d.batch(batchOf([still(T0 + 99_000)], { url: 'https://bank.example/b', seq: 2 })); // a resend: ignored
    assert.deepEqual(d.dwell(), [
      { pageId: 'p1', url: 'https://bank.example/a', from: T0, to: T0 + 6_000, ms: 6_000 },
      { pageId: 'p1', url: 'https://bank.example/b', from: T0 + 6_000, to: T0 + 9_500, ms: 3_500 },
    ]);
  });

  it('flags visits beyond the p95 / under the p5 of their URL, and nothing under 20 samples', () => {
    const dist = Array.from({ length: 100 }, (_, i) => (i + 1) * 1_000); // 1 s .. 100 s
    const c = dwellCutoffs(dist)!;
    assert.deepEqual(c, { low: 5_000, high: 95_000, median: 50_000, samples: 100 });
    const url = 'https://bank.example/a';
    const visits = [3_000, 5_000, 50_000, 95_000, 120_000].map((ms, i) => ({ pageId: `p${i}`, url, from: T0 + i, to: T0 + i + ms, ms }));
    assert.deepEqual(dwellSignals(visits, new Map([[url, c]])).map((s) => [s.name, s.pageId, s.detail]), [
      ['dwell-short', 'p0', { dwellMs: 3_000, medianMs: 50_000, cutoffMs: 5_000 }],
      ['dwell-long', 'p4', { dwellMs: 120_000, medianMs: 50_000, cutoffMs: 95_000 }],
    ]);
    assert.equal(dwellCutoffs(dist.slice(0, 19)), undefined);
    assert.deepEqual(dwellSignals(visits, new Map()), []);
    assert.throws(() => dwellCutoffs(dist, { lowPercentile: 90, highPercentile: 10 }), { code: 'CONFIG_INVALID' });
  });
});

it('sorts signals by moment then name', () => {
  const s = detect([site], [capture(T0 + 2_000, 'https://api.bank.co.uk/a', 502, { timing: { headersMs: 1, totalMs: 5_000 } }), capture(T0 + 1_000, 'https://api.bank.co.uk/b', 500)]);
  assert.deepEqual(names(s), ['failed', 'failed', 'slow']);
  assert.deepEqual(s.map((x) => x.at - T0), [1_000, 2_000, 2_000]);
});
