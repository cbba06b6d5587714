/**
 * The field analytics page (`/analytics/fields`, analysts and compliance): pick a form (URL pattern + form selector)
 * over a period; per field the median time to fill, hesitation, correction and error rates and drop-offs; then the
 * fields where customers left, each with the sessions that left there, opening the replay at that moment.
 */
import { clear, h } from './dom';
import { formatDateTime, formatDuration } from './format';

const fillTime = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms));
import { getFieldsReport, listForms, type FieldsReport, type FormSummary } from './fields-api';
import { percent, periodPicker, withProgress } from './analytics-controls';

export async function renderFieldAnalyticsPage(root: HTMLElement): Promise<void> {
  document.title = 'Field analytics · Verbatim';
  document.documentElement.dataset.view = 'list';
  const status = h('p', { class: 'list-status analytics-status', role: 'status', 'aria-live': 'polite' });
  const select = h('select', { id: 'form-pick', onchange: () => void show() }) as HTMLSelectElement;
  const report = h('div', { class: 'analytics-report' });
  let forms: FormSummary[] = [];
  const period = periodPicker(() => void load());
  clear(root);
  root.append(h('section', { class: 'list-view analytics-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Field analytics'), h('a', { href: '/analytics/clickmap' }, 'Click maps'), h('a', { href: '/' }, 'All sessions')),
    h('div', { class: 'analytics-controls' }, period.el, h('label', { for: 'form-pick' }, 'Form'), select),
    status, report));

  const show = async (): Promise<void> => {
    const f = forms[Number(select.value)];
    clear(report);
    if (!f) return;
    const r = await withProgress(status, 'Computing field analytics', () => getFieldsReport(f, period.period()));
    if (r) report.append(...renderReport(r));
  };
  const load = async (): Promise<void> => {
    const list = await withProgress(status, 'Finding forms', () => listForms(period.period()));
    if (!list) return;
    forms = list;
    const wanted = new URLSearchParams(location.search);
    select.replaceChildren(...forms.map((f, i) => h('option', { value: String(i) }, `${f.host}${f.url} · ${f.form || '(fields outside a form)'} · ${f.views} views`)));
    const pre = forms.findIndex((f) => f.host === wanted.get('host') && f.url === wanted.get('url') && f.form === wanted.get('form'));
    if (pre >= 0) select.value = String(pre);
    if (!forms.length) status.textContent = 'No form was filled in this period.';
    await show();
  };
  await load();
}

function renderReport(r: FieldsReport): HTMLElement[] {
  const head = h('p', { class: 'analytics-summary' },
    `${r.form.views} page views with this form, ${r.form.submitted} sent (${percent(r.form.views ? r.form.submitted / r.form.views : 0)}).`);
  const table = h('table', { class: 'session-table analytics-table' },
    h('caption', {}, 'Fields'),
    h('thead', {}, h('tr', {}, ...['Field', 'Touched', 'Median time to fill', 'Hesitation', 'Corrected', 'Errors shown', 'Left here'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...r.fields.map((f) => h('tr', { 'data-field': f.field },
      h('th', { scope: 'row' }, f.label || f.field, h('span', { class: 'url' }, f.field)),
      h('td', {}, String(f.touched)),
      h('td', {}, f.medianFillMs === null ? '—' : fillTime(f.medianFillMs)),
      h('td', {}, percent(f.hesitationRate)),
      h('td', {}, `${percent(f.correctionRate)} (${f.corrections})`),
      h('td', {}, percent(f.errorRate)),
      h('td', {}, `${f.dropOffs} (${percent(f.dropOffRate)})`)))));
  const leaves = h('section', { class: 'analytics-leaves', 'aria-label': 'Where customers leave' },
    h('h2', {}, 'Where customers leave'),
    r.leaves.length ? h('ol', {}, ...r.leaves.map((l) => h('li', { 'data-field': l.field },
      h('strong', {}, l.label || l.field), ` ${l.count} left here`,
      h('ul', { class: 'analytics-sessions' }, ...l.sessions.map((s) => h('li', {},
        h('a', { href: `/sessions/${encodeURIComponent(s.sessionId)}?at=${s.at}` }, `Replay at ${formatDateTime(s.at)}`))))))) : h('p', { class: 'muted' }, 'Nobody left this form half-filled in this period.'));
  return [head, table, leaves];
}
