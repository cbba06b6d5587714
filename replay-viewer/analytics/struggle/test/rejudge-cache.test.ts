/**
 * The detector keeps each page's rage and dead clicks until what they depend on changes (detector.ts). Asked after
 * every record, as the index asks, it must answer exactly what a detector fed the same records from scratch answers:
 * seeded random sessions of several tabs with clicks, double-clicks, answers, errors, late captures and hidden pages.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CapturedResource, EventBatch } from '../../../../store/records';
import { createStruggleDetector, type StruggleDetector } from '../index';
import { batchOf, capture, click, dblclick, focus, full, hidden, input, meta, mutation, still, T0, Tree, uncaught } from './fixtures';

type Rec = { batch: EventBatch } | { capture: CapturedResource };

function session(r: () => number): Rec[] {
  const out: Rec[] = [];
  const pages = 1 + Math.floor(r() * 4);
  for (let p = 0; p < pages; p++) {
    const t = new Tree();
    const field = t.el('input', { id: 'f', name: 'f', type: 'text' });
    const buttons = Array.from({ length: 4 }, (_, i) => t.el('button', { id: `b${i}` }, `Button ${i}`));
    const para = t.el('p', {}, 'Text');
    const { root } = t.page(`Page ${p}`, t.el('form', {}, field), ...buttons, para);
    const page = `p${p}`;
    const url = `https://bank.example/page/${p}`;
    let at = T0 + p * 20_000 + Math.floor(r() * 15_000);
    out.push({ batch: batchOf([meta(at, url), full(at + 1, root)], { page, seq: 0, url }) });
    const batches = 2 + Math.floor(r() * 6);
    // A double-click reported in the batch after its clicks' (it marks a click already judged).
    let carried: unknown[] = [];
    for (let s = 1; s <= batches; s++) {
      const events: unknown[] = carried;
      carried = [];
      for (let e = 0; e < 1 + Math.floor(r() * 4); e++) {
        at += Math.floor(r() * 1_200);
        const x = r();
        const b = buttons[Math.floor(r() * buttons.length)]!.id!;
        if (x < 0.4) {
          events.push(click(at, b, 100 + Math.floor(r() * 8), 100));
          if (r() < 0.3) {
            events.push(click(at + 80, b, 101, 100));
            (r() < 0.5 ? carried : events).push(dblclick(at + 81, b));
          }
          at += 90;
        } else if (x < 0.55) events.push(mutation(at, { attributes: [{ id: para.id!, attributes: { class: `c${at}` } }] }));
        else if (x < 0.65) events.push(focus(at, field.id!), input(at + 5, field.id!, `v${at}`));
        else if (x < 0.7) events.push(uncaught(at));
        else events.push(still(at));
      }
      if (s === batches) events.push(...carried);
      out.push({ batch: batchOf(events, { page, seq: s, url }) });
      if (r() < 0.4) out.push({ capture: capture(at - Math.floor(r() * 3_000), `https://bank.example/api/${s}`, r() < 0.3 ? 500 : 200, { method: r() < 0.5 ? 'GET' : 'POST' }) });
    }
    if (r() < 0.7) out.push({ batch: batchOf([hidden(at + 500)], { page, seq: 99, url }) });
  }
  // Tabs interleave and captures arrive late: swap some neighbours.
  for (let i = out.length - 1; i > 0; i--) {
    if (r() < 0.3) {
      const j = Math.max(0, i - 1 - Math.floor(r() * 3));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out;
}

const feed = (d: StruggleDetector, rec: Rec) => ('batch' in rec ? d.batch(rec.batch) : d.capture(rec.capture));

it('judges after every record exactly as a detector fed the same records from scratch', () => {
  let seed = 14;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let judged = 0;
  const names = new Set<string>();
  for (let n = 0; n < 30; n++) {
    const records = session(r);
    const live = createStruggleDetector();
    records.forEach((rec, i) => {
      feed(live, rec);
      const fresh = createStruggleDetector();
      for (const earlier of records.slice(0, i + 1)) feed(fresh, earlier);
      const signals = live.signals();
      assert.deepEqual(signals, fresh.signals(), `session ${n}, after record ${i}`);
      for (const s of signals) names.add(s.name);
      judged++;
    });
  }
  assert.ok(judged > 300, `${judged} judgements`);
  for (const name of ['rage', 'dead', 'error']) assert.ok(names.has(name), `no ${name} signal in the sessions: ${[...names].join(', ')}`);
});
