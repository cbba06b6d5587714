/**
 * The period picker both analytics pages share: two labelled UTC dates (to exclusive: the day after the last one
 * shown), a button, and a progress bar with a status line that the page fills while a report computes.
 */
import { h } from './dom';
import type { Period, Progress } from './analytics-api';

const DAY = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export interface PeriodPicker {
  el: HTMLElement;
  period(): Period;
  progress(p: Progress | undefined, text?: string, error?: boolean): void;
}

export function periodPicker(prefix: string, onShow: () => void, extra: HTMLElement[] = []): PeriodPicker {
  const q = new URLSearchParams(location.search);
  const from = h('input', { id: `${prefix}-from`, type: 'date', required: true, value: q.get('from') ?? day(Date.now() - 29 * DAY) });
  const to = h('input', { id: `${prefix}-to`, type: 'date', required: true, value: q.get('to') ?? day(Date.now()) });
  const bar = h('progress', { class: 'analytics-progress', max: 1, value: 0, 'aria-label': 'Report progress', hidden: true });
  const status = h('p', { class: 'list-status analytics-status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'analytics-period', 'aria-label': 'Period', onsubmit: (ev: Event) => { ev.preventDefault(); onShow(); } },
    ...extra,
    h('label', { for: `${prefix}-from` }, 'From'), from,
    h('label', { for: `${prefix}-to` }, 'To (inclusive)'), to,
    h('button', { class: 'button', type: 'submit' }, 'Show'));
  return {
    el: h('div', {}, form, bar, status),
    // "To" is shown inclusive; the API's `to` is exclusive.
    period: () => ({ from: from.value, to: day(Date.parse(`${to.value}T00:00:00Z`) + DAY) }),
    progress(p, text, error = false) {
      bar.hidden = !p || p.done >= p.total;
      if (p) { bar.max = p.total; bar.value = p.done; }
      status.textContent = text ?? (p ? `Computing: ${p.phase} (${p.done} of ${p.total})` : '');
      status.classList.toggle('error', error);
    },
  };
}
