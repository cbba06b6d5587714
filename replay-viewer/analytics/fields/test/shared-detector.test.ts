/**
 * At ingest a session has one struggle detector: the struggle hits' own, lent to the field-analytics collector, which
 * reads it and never feeds it again (it ran a second detector of its own before: every judgement computed twice).
 * The rows must be those a collector with its own detector makes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { EventBatch } from '../../../../store/records';
import { createIndexExtractor } from '../../../search/struggle-hits';
import { createStruggleDetector, type StruggleDetector } from '../../struggle/index';
import { batchOf, click, focus, full, hidden, input, meta, still, T0, Tree } from '../../struggle/test/fixtures';
import { createFieldAnalyticsCollector } from '../tables';

/** A transfer form left at the IBAN field after a dead click on Help: field, click and drop-off rows. */
function journey(): EventBatch[] {
  const t = new Tree();
  const amount = t.el('input', { id: 'amount', name: 'amount', type: 'text' });
  const iban = t.el('input', { id: 'iban', name: 'iban', type: 'text' });
  const send = t.el('button', { id: 'send', type: 'submit' }, 'Send');
  const help = t.el('button', { id: 'help' }, 'Help');
  const { root } = t.page('Transfer', t.el('form', { id: 'transfer' }, amount, iban, send), help);
  return [
    batchOf([meta(T0, 'https://bank.example/transfer'), full(T0 + 1, root), focus(T0 + 1_000, amount.id!), input(T0 + 1_500, amount.id!, '10')], { seq: 0 }),
    batchOf([focus(T0 + 2_000, iban.id!), input(T0 + 2_400, iban.id!, 'DE'), click(T0 + 3_000, help.id!), still(T0 + 6_000), hidden(T0 + 7_000)], { seq: 1 }),
  ];
}

const withoutOwner = (rows: { table: string; row: unknown }[]) => rows.filter((r) => r.table !== 'page_views' && r.table !== 'interactions' && r.table !== 'session_paths');

it('reads the struggle detector it is lent and never feeds it', () => {
  const real = createStruggleDetector();
  let fed = 0;
  let read = 0;
  const lent: StruggleDetector = {
    ...real,
    batch: (b) => { fed++; real.batch(b); },
    capture: (c) => { fed++; real.capture(c); },
    pages: () => { read++; return real.pages(); },
  };
  const shared = createFieldAnalyticsCollector({ struggle: lent });
  const alone = createFieldAnalyticsCollector();
  for (const b of journey()) {
    real.batch(b); // its owner feeds it, before the collectors see the record
    shared.batch(b, []);
    alone.batch(b, []);
  }
  const rows = shared.drain();
  assert.equal(fed, 0, 'the collector fed the lent detector');
  assert.ok(read > 0, 'the collector read a detector of its own instead of the lent one');
  assert.deepEqual(rows, alone.drain());
  assert.deepEqual(rows.map((r) => r.table).sort(), ['click_points', 'form_fields', 'form_fields']);
});

it('the index extractor\'s field-analytics rows equal those of a collector with a detector of its own', () => {
  const index = createIndexExtractor();
  const alone = createFieldAnalyticsCollector();
  const fromIndex: { table: string; row: unknown }[] = [];
  for (const b of journey()) {
    index.batch(b);
    index.takeReplacement?.();
    alone.batch(b, []);
    fromIndex.push(...withoutOwner(index.drainAnalytics?.() ?? []));
  }
  const expected = alone.drain();
  assert.equal(expected.length, 3);
  assert.deepEqual(fromIndex, expected);
});
