/** Field, click and scroll rows from hand-built streams: the values the struggle detector's judgements imply, exactly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedResource } from '../../../../store/records';
import { createStruggleDetector } from '../../struggle/detector';
import { batchOf, blur, capture, click, custom, focus, full, hidden, input, meta, mutation, still, T0, Tree } from '../../struggle/test/fixtures';
import { createFieldCollector } from '../collector';

function form() {
  const t = new Tree();
  const amount = t.el('input', { id: 'amount', name: 'amount', type: 'text' });
  const iban = t.el('input', { id: 'iban', name: 'iban', type: 'text' });
  const span = t.el('span', {}, 'Send');
  const send = t.el('button', { id: 'send', type: 'submit' }, span);
  const f = t.el('form', { id: 'transfer' }, amount, iban, send);
  const dead = t.el('button', { id: 'help' }, 'Help');
  const { root } = t.page('Transfer', f, dead);
  return { amount, iban, send, span, dead, start: [meta(T0, 'https://bank.example/accounts/12345/transfer?x=1'), full(T0 + 1, root)] };
}

function run(events: unknown[], captures: CapturedResource[] = [], url = 'https://bank.example/accounts/12345/transfer?x=1') {
  const detector = createStruggleDetector();
  const collector = createFieldCollector(detector);
  for (const c of captures) {
    detector.capture(c);
    collector.capture(c);
  }
  const b = batchOf(events, { url });
  detector.batch(b);
  collector.batch(b);
  return { detector, collector };
}

describe('field rows', () => {
  it('a form left at the IBAN field after correcting the amount: time to fill, correction, drop-off, not submitted', () => {
    const f = form();
    const { collector } = run([
      ...f.start, focus(T0 + 1_000, f.amount.id!), input(T0 + 1_500, f.amount.id!, '10'), blur(T0 + 1_600, f.amount.id!),
      focus(T0 + 2_000, f.iban.id!), input(T0 + 2_400, f.iban.id!, 'DE'), focus(T0 + 3_000, f.amount.id!), input(T0 + 3_200, f.amount.id!, '100'),
      focus(T0 + 4_000, f.iban.id!), input(T0 + 16_500, f.iban.id!, 'DE89'), hidden(T0 + 20_000),
    ]);
    const rows = collector.take();
    assert.deepEqual(rows.fields.map(({ sessionId, pageId, ...r }) => r), [
      { at: T0 + 1_000, host: 'bank.example', url: '/accounts/:id/transfer', form: '#transfer', field: '#amount', label: 'amount', fillMs: 2_200, hesitations: 0, corrections: 1, errors: 0, submitted: false, dropOff: false },
      { at: T0 + 2_000, host: 'bank.example', url: '/accounts/:id/transfer', form: '#transfer', field: '#iban', label: 'iban', fillMs: 14_500, hesitations: 1, corrections: 1, errors: 0, submitted: false, dropOff: true, leftAt: T0 + 20_000 },
    ]);
    assert.deepEqual(collector.take(), { fields: [], clicks: [], scrolls: [] }, 'a page is taken once');
    assert.ok(!JSON.stringify(rows).includes('DE89'), 'no typed value');
  });

  it('a sent form: submitted on every field, no drop-off; a validation error counted on its field', () => {
    const f = form();
    const { collector } = run([
      ...f.start, input(T0 + 1_000, f.amount.id!, '10'), input(T0 + 2_000, f.iban.id!, 'XX'), click(T0 + 3_000, f.span.id!),
      mutation(T0 + 3_100, { attributes: [{ id: f.iban.id!, attributes: { 'aria-invalid': 'true' } }] }), still(T0 + 5_000), hidden(T0 + 6_000),
    ]);
    const rows = collector.take();
    assert.deepEqual(rows.fields.map((r) => [r.field, r.submitted, r.dropOff, r.errors, r.fillMs]), [['#amount', true, false, 0, 0], ['#iban', true, false, 1, 0]]);
  });

  it('nothing before the page ends; everything at finish()', () => {
    const f = form();
    const { collector } = run([...f.start, input(T0 + 1_000, f.amount.id!, '10'), still(T0 + 3_000)]);
    assert.equal(collector.take().fields.length, 0);
    assert.deepEqual(collector.finish().fields.map((r) => [r.field, r.dropOff, r.leftAt]), [['#amount', true, T0 + 3_000]]);
  });
});

describe('click rows', () => {
  it('resolves to the button, places the click in its box from the recorder note, flags dead and rage', () => {
    const f = form();
    const box = (at: number, x: number, y: number) => custom(at, 'verbatim:click-box', { x, y, boxes: [[f.span.id!, 0, 0, 10, 10], [f.send.id!, 100, 200, 80, 40]] });
    const { collector } = run([
      ...f.start, box(T0 + 999, 120, 230), click(T0 + 1_000, f.span.id!, 120, 230),
      mutation(T0 + 1_050, { attributes: [{ id: f.send.id!, attributes: { class: 'busy' } }] }),
      ...[0, 150, 300, 450].map((d) => click(T0 + 2_000 + d, f.dead.id!, 50, 50)), still(T0 + 5_000),
      custom(T0 + 5_500, 'verbatim:scroll-depth', { maxPct: 40 }), custom(T0 + 5_600, 'verbatim:scroll-depth', { maxPct: 85 }), hidden(T0 + 6_000),
    ]);
    const rows = collector.take();
    assert.deepEqual(rows.clicks.map(({ sessionId, pageId, host, url, version, ...r }) => r), [
      { at: T0 + 1_000, selector: '#send', fx: 0.25, fy: 0.75, dead: false, rage: false },
      { at: T0 + 2_000, selector: '#help', dead: true, rage: true },
      { at: T0 + 2_150, selector: '#help', dead: true, rage: true },
      { at: T0 + 2_300, selector: '#help', dead: true, rage: true },
      { at: T0 + 2_450, selector: '#help', dead: true, rage: true },
    ]);
    assert.deepEqual([rows.clicks[0]!.host, rows.clicks[0]!.url], ['bank.example', '/accounts/:id/transfer']);
    assert.deepEqual(rows.scrolls.map(({ sessionId, ...r }) => r), [{ pageId: 'p1', at: T0, host: 'bank.example', url: '/accounts/:id/transfer', version: '', maxPct: 85 }]);
  });

  it('the site version is the same for the same scripts and styles, another for a new build, and ignores sealed data', () => {
    const f = form();
    const asset = (at: number, path: string, digest: string, dest: string, extra: Partial<CapturedResource> = {}) =>
      capture(at, `https://cdn.bank.example${path}?v=${at}`, 200, { destination: dest, body: { digest, size: 1, encoding: '', truncated: false }, ...extra });
    const doc = capture(T0 - 500, 'https://bank.example/accounts/12345/transfer?x=1', 200, { destination: 'document' });
    const build = (js: string, extra: CapturedResource[] = []) =>
      run([...f.start, click(T0 + 1_000, f.send.id!), hidden(T0 + 2_000)], [doc, asset(T0 - 400, '/app.js', js, 'script'), asset(T0 - 300, '/app.css', 'c1', 'style'), ...extra]).collector.take().clicks[0]!.version;
    const a = build('j1');
    assert.match(a, /^[0-9a-f]{12}$/);
    assert.equal(build('j1', [capture(T0 - 200, 'https://bank.example/api/me', 200, { body: { digest: 'me', size: 1, encoding: '', truncated: false, sealed: true }, destination: 'script' })]), a);
    assert.notEqual(build('j2'), a);
  });
});

describe('hostile layout notes', () => {
  it('skips malformed click boxes and scroll depths, and never places a click outside 0..1', () => {
    const f = form();
    const { collector } = run([
      ...f.start,
      custom(T0 + 900, 'verbatim:click-box', { x: 'a', y: 1, boxes: [[f.send.id!, 0, 0, 10, 10]] }),
      custom(T0 + 950, 'verbatim:click-box', { x: 500, y: 500, boxes: [[f.send.id!, 100, 200, 0, 40], 'x', [1, 2], null] }),
      custom(T0 + 999, 'verbatim:click-box', { x: 500, y: 900, boxes: [[f.send.id!, 100, 200, 80, 40]] }),
      click(T0 + 1_000, f.send.id!, 500, 900),
      custom(T0 + 1_100, 'verbatim:scroll-depth', { maxPct: 1e9 }), custom(T0 + 1_200, 'verbatim:scroll-depth', { maxPct: 'deep' }),
      custom(T0 + 1_300, 'verbatim:scroll-depth', { maxPct: 55 }), still(T0 + 5_000), hidden(T0 + 6_000),
    ]);
    const rows = collector.take();
    assert.deepEqual(rows.clicks.map((c) => [c.selector, c.fx, c.fy]), [['#send', 1, 1]]);
    assert.deepEqual(rows.scrolls.map((s) => s.maxPct), [55]);
  });

  it('a page view whose assets came from the cache keeps the session\'s last version for its host', () => {
    const f = form();
    const asset = capture(T0 - 400, 'https://bank.example/app.js', 200, { destination: 'script', body: { digest: 'j1', size: 1, encoding: '', truncated: false } });
    const detector = createStruggleDetector();
    const collector = createFieldCollector(detector);
    for (const c of [asset]) { detector.capture(c); collector.capture(c); }
    for (const [page, at] of [['p1', T0], ['p2', T0 + 60_000]] as const) {
      const t = new Tree();
      const x = t.el('button', { id: 'x' }, 'X');
      const b = batchOf([meta(at, 'https://bank.example/transfer'), full(at + 1, t.page('T', x).root), click(at + 10, x.id!), hidden(at + 1_000)], { page });
      detector.batch(b);
      collector.batch(b);
    }
    const versions = collector.take().clicks.map((c) => c.version);
    assert.equal(versions.length, 2);
    assert.match(versions[0]!, /^[0-9a-f]{12}$/);
    assert.equal(versions[1], versions[0]);
  });
});
