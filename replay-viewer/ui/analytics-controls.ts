/**
 * What the analytics pages share: a period picked in UTC days (labelled date inputs), and a status line that shows
 * progress (elapsed seconds) while a period computes.
 */
import { h } from './dom';
import type { Period } from './fields-api';

const DAY = 86_400_000;

export function periodPicker(onChange: () => void): { el: HTMLElement; period(): Period } {
  const from = h('input', { type: 'date', id: 'period-from', onchange: onChange }) as HTMLInputElement;
  const to = h('input', { type: 'date', id: 'period-to', onchange: onChange }) as HTMLInputElement;
  const el = h('div', { class: 'analytics-period', role: 'group', 'aria-label': 'Period (UTC days)' },
    h('label', { for: 'period-from' }, 'From'), from, h('label', { for: 'period-to' }, 'To'), to);
  return {
    el,
    period() {
      const p: Period = {};
      if (from.valueAsNumber >= 0) p.from = from.valueAsNumber;
      if (to.valueAsNumber >= 0) p.to = to.valueAsNumber + DAY;
      return p;
    },
  };
}

/** Runs `work`, saying what it computes and for how long, then clears (or shows the error). */
export async function withProgress<T>(status: HTMLElement, what: string, work: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  const bar = h('progress', { 'aria-label': what });
  const label = h('span', {}, `${what}…`);
  status.classList.remove('error');
  status.replaceChildren(bar, ' ', label);
  status.dataset.busy = 'true';
  const timer = setInterval(() => { label.textContent = `${what}… ${Math.round((performance.now() - started) / 1000)} s`; }, 1000);
  try {
    const out = await work();
    status.replaceChildren();
    return out;
  } catch (err) {
    status.classList.add('error');
    status.textContent = `${what} failed: ${(err as Error).message}`;
    return undefined;
  } finally {
    clearInterval(timer);
    delete status.dataset.busy;
  }
}

export const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;
