/**
 * The funnels page (`/analytics/funnels`, analysts and compliance): pick a saved funnel and a period, watch the report
 * compute, read per step how many sessions reached it, the conversion, the median time from the step before, and
 * who dropped there (each opening the replay at the moment of the step they last did); split by device, browser or
 * channel. A form saves, edits or deletes a funnel (steps: page pattern, click or submit on a selector, the site's
 * own analytics marker, a request); marker names and request patterns seen in the period are offered as suggestions.
 */
import { append, clear, h } from './dom';
import { formatDateTime, formatDuration } from './format';
import { deleteFunnel, funnelReport, funnelSteps, listFunnels, replayAt, saveFunnel, updateFunnel, type Funnel, type FunnelDefinition, type FunnelReport, type StepSuggestions } from './analytics-api';
import { periodPicker } from './analytics-period';

const KINDS: Record<string, string> = {
  page: 'Page (URL pattern)', click: 'Click on (selector)', submit: 'Submit by (selector)',
  marker: 'Marker (the site\'s analytics event)', request: 'Request (METHOD /path [status])',
};
const PLACEHOLDERS: Record<string, string> = {
  page: '/payments/* or /accounts/:id', click: '#send', submit: '#send', marker: 'purchase or checkout_*', request: 'POST /api/transfers 2xx',
};
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export async function renderFunnelsPage(root: HTMLElement): Promise<void> {
  document.title = 'Funnels · Verbatim';
  document.documentElement.dataset.view = 'list';
  let funnels: Funnel[] = [];
  const select = h('select', { id: 'funnel-pick', name: 'funnel' });
  // Per customer: one journey across the customer's sessions (web, gateway, kiosk); per session is the default.
  const per = h('select', { id: 'funnel-per', name: 'per' },
    h('option', { value: 'session' }, 'per session'), h('option', { value: 'customer' }, 'per customer, across sessions')) as HTMLSelectElement;
  if (new URLSearchParams(location.search).get('per') === 'customer') per.value = 'customer';
  const result = h('div', { class: 'funnel-result' });
  const picker = periodPicker('funnel', () => void show(), [h('label', { for: 'funnel-pick' }, 'Funnel'), select, h('label', { for: 'funnel-per' }, 'Count'), per]);
  const editor = funnelForm(async (saved) => { await reload(saved.id); void show(); });
  const remove = h('button', { class: 'button subtle', type: 'button', onclick: async () => {
    const f = funnels.find((x) => x.id === select.value);
    if (!f || !confirm(`Delete the funnel “${f.name}”?`)) return;
    await deleteFunnel(f.id);
    await reload();
  } }, 'Delete funnel');
  const edit = h('button', { class: 'button subtle', type: 'button', onclick: () => {
    const f = funnels.find((x) => x.id === select.value);
    if (f) editor.edit(f);
  } }, 'Edit funnel');
  clear(root);
  root.append(h('section', { class: 'list-view analytics-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Funnels'),
      h('nav', { class: 'analytics-nav', 'aria-label': 'Analytics' }, h('a', { href: '/analytics/journeys' }, 'Journey map'), ' · ', h('a', { href: '/' }, 'All sessions'))),
    picker.el, h('div', { class: 'funnel-actions' }, edit, remove), result, editor.el));

  const reload = async (keep?: string): Promise<void> => {
    funnels = (await listFunnels()).funnels;
    clear(select);
    for (const f of funnels) select.append(h('option', { value: f.id }, f.name));
    const wanted = keep ?? new URLSearchParams(location.search).get('funnel') ?? funnels[0]?.id;
    if (wanted) select.value = wanted;
    edit.disabled = remove.disabled = !funnels.length;
    if (!funnels.length) picker.progress(undefined, 'No saved funnels yet: define one below.');
  };

  // Suggestions for marker and request steps: what the period saw (a failure leaves the fields free text).
  const suggest = (): void => void funnelSteps(picker.period()).then((s) => editor.suggest(s), () => undefined);

  const show = async (): Promise<void> => {
    suggest();
    const id = select.value;
    if (!id) return;
    const period = picker.period();
    const byCustomer = per.value === 'customer';
    history.replaceState(null, '', `/analytics/funnels?funnel=${id}&from=${period.from}${byCustomer ? '&per=customer' : ''}`);
    clear(result);
    try {
      const report = await funnelReport(id, period, (p) => picker.progress(p), byCustomer ? 'customer' : 'session');
      picker.progress(undefined, `${report.sessions} ${byCustomer ? 'customers (or sessions without one)' : 'sessions'} started this funnel between ${formatDateTime(report.period.from)} and ${formatDateTime(report.period.to)}.`);
      result.append(reportView(report));
    } catch (err) {
      picker.progress(undefined, `Could not compute the funnel: ${(err as Error).message}`, true);
    }
  };

  try {
    await reload();
    if (funnels.length) await show();
  } catch (err) {
    picker.progress(undefined, `Could not load funnels: ${(err as Error).message}`, true);
  }
}

function reportView(r: FunnelReport): HTMLElement {
  const max = Math.max(1, r.steps[0]?.reached ?? 0);
  // Its id from the start: the buttons' aria-controls must name an element that exists (axe: aria-valid-attr-value).
  const drops = h('div', { class: 'funnel-drops', id: 'funnel-drops' });
  const rows = r.steps.map((s, i) => h('tr', {},
    h('th', { scope: 'row' }, `${i + 1}. ${s.label}`, h('span', { class: 'url' }, `${s.kind}: ${s.match}`)),
    h('td', { class: 'num', 'data-cell': 'reached' }, String(s.reached)),
    h('td', { class: 'bar-cell' }, h('span', { class: 'funnel-bar', style: `width: ${((s.reached / max) * 100).toFixed(1)}%`, 'aria-hidden': 'true' })),
    h('td', { class: 'num' }, pct(s.conversion)),
    h('td', { class: 'num' }, i ? pct(s.fromPrevious) : '—'),
    h('td', { class: 'num', 'data-cell': 'median' }, s.medianMs === null ? '—' : formatDuration(s.medianMs)),
    h('td', { class: 'num' }, s.dropped ? h('button', { class: 'button small subtle', type: 'button', 'aria-controls': 'funnel-drops',
      'aria-label': `${s.dropped} dropped: list the ${s.dropped} sessions dropped after step ${i + 1}`,
      onclick: () => showDrops(drops, s.label, i, s.dropped, s.drops) }, `${s.dropped} dropped`) : '0')));
  const split = h('select', { id: 'funnel-split' }, ...['device', 'browser', 'channel'].map((v) => h('option', { value: v }, v)));
  const splitTable = h('div', {});
  const drawSplit = () => {
    clear(splitTable);
    splitTable.append(h('table', { class: 'sessions funnel-split' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, split.value), ...r.steps.map((s, i) => h('th', { scope: 'col', class: 'num' }, `${i + 1}. ${s.label}`)))),
      h('tbody', {}, ...r.splits[split.value as 'device'].map((g) => h('tr', {}, h('th', { scope: 'row' }, g.value),
        ...g.reached.map((n, i) => h('td', { class: 'num' }, i ? `${n} (${g.reached[0] ? pct(n / g.reached[0]) : '—'})` : String(n))))))));
  };
  split.addEventListener('change', drawSplit);
  drawSplit();
  return h('div', {},
    h('table', { class: 'sessions funnel-table', 'aria-label': `Funnel ${r.name}` },
      h('thead', {}, h('tr', {}, ...['Step', 'Sessions', 'Share of step 1', 'Conversion', 'From previous', 'Median time from previous', 'Dropped here'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows)),
    drops,
    h('div', { class: 'funnel-split-head' }, h('label', { for: 'funnel-split' }, 'Split by'), split), splitTable);
}

function showDrops(el: HTMLElement, label: string, i: number, total: number, drops: FunnelReport['steps'][number]['drops']): void {
  clear(el);
  el.id = 'funnel-drops';
  append(el, h('h2', { class: 'review-heading', tabindex: -1 }, `Dropped after step ${i + 1} (${label}): ${total} sessions`),
    total > drops.length ? h('p', { class: 'muted' }, `The newest ${drops.length} are listed.`) : null,
    h('ul', { class: 'funnel-drop-list' }, ...drops.map((d) => h('li', {},
      h('a', { class: 'session-link', href: replayAt(d.session, d.at) }, d.session), ' ', h('span', { class: 'muted' }, `at ${formatDateTime(d.at)}`)))));
  (el.firstElementChild as HTMLElement).focus();
}

/** Defines a funnel: a name and 2 to 10 steps. */
function funnelForm(onSaved: (f: Funnel) => void): { el: HTMLElement; edit(f: Funnel): void; suggest(s: StepSuggestions): void } {
  let editing: string | undefined;
  let n = 0;
  const steps = h('ol', { class: 'funnel-steps' });
  const error = h('p', { class: 'search-error', role: 'alert', hidden: true });
  const name = h('input', { id: 'funnel-name', type: 'text', required: true, maxlength: 120, autocomplete: 'off', placeholder: 'Transfer money' });
  const heading = h('h2', { class: 'review-heading' }, 'Define a funnel');
  const lists = { marker: h('datalist', { id: 'funnel-suggest-marker' }), request: h('datalist', { id: 'funnel-suggest-request' }) };
  const addStep = (kind = 'page', match = '', label = '') => {
    const id = `funnel-step-${++n}`;
    const kindSel = h('select', { id: `${id}-kind`, name: 'kind' }, ...Object.entries(KINDS).map(([v, t]) => h('option', { value: v }, t)));
    kindSel.value = kind;
    const matchInput = h('input', { id: `${id}-match`, name: 'match', type: 'text', required: true, value: match });
    // Each kind its own example, and its suggestions (a datalist: the browser's own keyboard-operable list).
    const fit = () => {
      matchInput.placeholder = PLACEHOLDERS[kindSel.value] ?? '';
      if (kindSel.value in lists) matchInput.setAttribute('list', `funnel-suggest-${kindSel.value}`);
      else matchInput.removeAttribute('list');
    };
    kindSel.addEventListener('change', fit);
    fit();
    const li: HTMLLIElement = h('li', { class: 'funnel-step' },
      h('label', { for: `${id}-kind` }, 'Step is'), kindSel,
      h('label', { for: `${id}-match` }, 'Matching'), matchInput,
      h('label', { for: `${id}-label` }, 'Label'), h('input', { id: `${id}-label`, name: 'label', type: 'text', value: label, placeholder: 'optional' }),
      h('button', { class: 'button small subtle', type: 'button', 'aria-label': 'Remove this step', onclick: () => li.remove() }, 'Remove'));
    steps.append(li);
  };
  const reset = () => {
    editing = undefined;
    name.value = '';
    clear(steps);
    addStep(); addStep();
    heading.textContent = 'Define a funnel';
  };
  const form = h('form', { class: 'review-form funnel-form', 'aria-label': 'Define a funnel', onsubmit: async (ev: Event) => {
    ev.preventDefault();
    error.hidden = true;
    const def: FunnelDefinition = {
      name: name.value.trim(),
      steps: [...steps.children].map((li) => {
        const v = (n: string) => (li.querySelector(`[name=${n}]`) as HTMLInputElement).value.trim();
        return { kind: v('kind') as 'page', match: v('match'), label: v('label') };
      }),
    };
    try {
      const { funnel } = editing ? await updateFunnel(editing, def) : await saveFunnel(def);
      reset();
      onSaved(funnel);
    } catch (err) {
      error.hidden = false;
      error.textContent = (err as Error).message;
    }
  } },
  heading,
  h('label', { for: 'funnel-name' }, 'Name'), name, steps,
  h('div', { class: 'funnel-actions' },
    h('button', { class: 'button subtle', type: 'button', onclick: () => addStep() }, 'Add a step'),
    h('button', { class: 'button', type: 'submit' }, 'Save funnel'),
    h('button', { class: 'button subtle', type: 'button', onclick: () => reset() }, 'Clear')),
  error, lists.marker, lists.request);
  reset();
  return {
    el: form,
    edit(f) {
      editing = f.id;
      name.value = f.name;
      clear(steps);
      for (const s of f.steps) addStep(s.kind, s.match, s.label);
      heading.textContent = `Edit “${f.name}”`;
      name.focus();
    },
    suggest(s) {
      const fill = (list: HTMLElement, items: { value: string; sessions: number }[]) => {
        clear(list);
        for (const x of items) list.append(h('option', { value: x.value }, `${x.value} (${x.sessions} sessions)`));
      };
      fill(lists.marker, s.markers.map((m) => ({ value: m.name, sessions: m.sessions })));
      fill(lists.request, s.requests.map((r) => ({ value: r.match, sessions: r.sessions })));
    },
  };
}
