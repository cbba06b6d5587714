/**
 * Precision and recall per signal over the corpus. Per session, a label is a true positive when the session has a
 * signal of that name (on that element, when the label names one), else a false negative; a signal matching no label
 * is a false positive, counted once per (name, element) in the session (a rage burst's three error clicks on one
 * button are one mistake, not three).
 */
import { SIGNAL_NAMES, type SignalName } from '../../replay-viewer/analytics/struggle/index';
import type { CorpusCase, Label } from './case';

/** A signal as the index holds it: its name and its element's selector. */
export interface Found {
  signal: string;
  selector?: string;
}

export interface Row {
  signal: SignalName;
  cases: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

export interface Mistake {
  caseId: string;
  kind: 'FP' | 'FN';
  what: string;
}

const matches = (l: Label, f: Found) => l.signal === f.signal && (l.selector === undefined || l.selector === f.selector);

export function score(cases: readonly CorpusCase[], found: ReadonlyMap<string, readonly Found[]>): { rows: Row[]; mistakes: Mistake[] } {
  const tally = new Map(SIGNAL_NAMES.map((n) => [n, { cases: 0, tp: 0, fp: 0, fn: 0 }]));
  const mistakes: Mistake[] = [];
  for (const c of cases) {
    for (const name of new Set(c.about)) tally.get(name)!.cases++;
    const signals = found.get(c.id) ?? [];
    for (const l of c.expect) {
      const t = tally.get(l.signal)!;
      if (signals.some((f) => matches(l, f))) t.tp++;
      else {
        t.fn++;
        mistakes.push({ caseId: c.id, kind: 'FN', what: `${l.signal} ${l.selector ?? ''}`.trim() });
      }
    }
    const wrong = new Set(signals.filter((f) => !c.expect.some((l) => matches(l, f))).map((f) => `${f.signal} ${f.selector ?? ''}`.trim()));
    for (const w of wrong) {
      const t = tally.get(w.split(' ')[0] as SignalName);
      if (t) t.fp++;
      mistakes.push({ caseId: c.id, kind: 'FP', what: w });
    }
  }
  const rows = [...tally].map(([signal, t]) => ({
    signal, ...t,
    precision: t.tp + t.fp ? t.tp / (t.tp + t.fp) : 1,
    recall: t.tp + t.fn ? t.tp / (t.tp + t.fn) : 1,
  }));
  return { rows, mistakes };
}

export function table(rows: readonly Row[]): string {
  const lines = ['| signal | cases | TP | FP | FN | precision | recall |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    if (!r.cases && !r.tp && !r.fp && !r.fn) continue;
    lines.push(`| ${r.signal} | ${r.cases} | ${r.tp} | ${r.fp} | ${r.fn} | ${r.precision.toFixed(2)} | ${r.recall.toFixed(2)} |`);
  }
  return lines.join('\n');
}
