/**
 * The Reviews page (`/reviews`, compliance; auditors read): saved searches with their schedule and last run, a form
 * to save one (prefilled from the session list's "Save for review", `/reviews?query=…`), "Run" over a period picked
 * in UTC days, and the latest runs, each opening its result list (review-run-page.ts).
 */
import { clear, h } from './dom';
import { formatDateTime } from './format';
import { may, whoAmI } from './me';
import { QueryError } from './search-api';
import { deleteSearch, listRuns, listSavedSearches, runSearch, saveSearch, updateSearch, type RunSummary, type SavedSearch, type Schedule } from './reviews-api';

const SCHEDULE_LABELS: Record<Schedule, string> = { none: 'On demand', daily: 'Daily', weekly: 'Weekly (Mon–Sun)', monthly: 'Monthly' };

export async function renderReviewsPage(root: HTMLElement): Promise<void> {
  document.title = 'Reviews · Verbatim';
  document.documentElement.dataset.view = 'list';
  const me = await whoAmI();
  const manage = may(me, 'reviews.manage');
  const status = h('p', { class: 'list-status', role: 'status' });
  const searches = h('div', { class: 'review-searches' });
  const runs = h('div', { class: 'review-runs' });
  const form = manage ? searchForm(() => void refresh()) : undefined;
  clear(root);
  root.append(h('section', { class: 'list-view reviews-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Compliance reviews'), h('a', { href: '/' }, 'All sessions')),
    form?.el,
    h('h2', { class: 'review-heading' }, 'Saved searches'), searches,
    h('h2', { class: 'review-heading' }, 'Latest runs'), runs, status));

  const refresh = async (): Promise<void> => {
    try {
      const [{ searches: list }, { runs: all }] = await Promise.all([listSavedSearches(), listRuns()]);
      clear(searches);
      searches.append(list.length ? searchTable(list, manage, refresh, status, (s) => form?.edit(s)) : h('p', { class: 'muted' }, 'No saved searches yet.'));
      clear(runs);
      runs.append(all.length ? runTable(all.slice(0, 50)) : h('p', { class: 'muted' }, 'No runs yet.'));
    } catch (err) {
      status.textContent = `Could not load reviews: ${(err as Error).message}`;
      status.classList.add('error');
    }
  };
  await refresh();
}

/** Saves a new search, or (after "Edit" on a row) changes that one: name, query, schedule. */
function searchForm(onSaved: () => void): { el: HTMLElement; edit(s: SavedSearch): void } {
  const prefill = new URLSearchParams(location.search).get('query') ?? '';
  let editing: string | undefined;
  const heading = h('h2', { class: 'review-heading' }, 'Save a search');
  const submit = h('button', { class: 'button', type: 'submit' }, 'Save search');
  const cancel = h('button', { class: 'button subtle', type: 'button', hidden: true, onclick: () => reset() }, 'Cancel');
  const error = h('p', { class: 'search-error', role: 'alert', hidden: true });
  const input = (n: string) => form.elements.namedItem(n) as HTMLInputElement;
  const reset = (): void => {
    editing = undefined;
    form.reset();
    heading.textContent = 'Save a search';
    submit.textContent = 'Save search';
    cancel.hidden = true;
    error.hidden = true;
  };
  const form: HTMLFormElement = h('form', { class: 'review-form', 'aria-label': 'Save a search', onsubmit: async (ev: Event) => {
    ev.preventDefault();
    error.hidden = true;
    const value = { name: input('name').value.trim(), query: input('query').value.trim(), schedule: input('schedule').value as Schedule };
    try {
      if (editing) await updateSearch(editing, value);
      else await saveSearch(value);
      reset();
      input('query').value = '';
      history.replaceState(null, '', '/reviews');
      onSaved();
    } catch (err) {
      error.hidden = false;
      error.textContent = err instanceof QueryError ? `${err.message} (at character ${err.position + 1})` : (err as Error).message;
    }
  } },
  h('label', { for: 'review-name' }, 'Name'),
  h('input', { id: 'review-name', name: 'name', type: 'text', required: true, maxlength: 120, autocomplete: 'off', placeholder: 'Shown the 5.1 % offer, then opened savings' }),
  h('label', { for: 'review-query' }, 'Query'),
  h('input', { id: 'review-query', name: 'query', type: 'text', class: 'search-input', value: prefill, autocomplete: 'off', spellcheck: 'false', placeholder: 'text:"5.1 %" then url:/savings/open' }),
  h('label', { for: 'review-schedule' }, 'Schedule'),
  h('select', { id: 'review-schedule', name: 'schedule' }, ...Object.entries(SCHEDULE_LABELS).map(([v, l]) => h('option', { value: v }, l))),
  submit, cancel);
  return {
    el: h('section', { class: 'search-bar' }, heading, form, error),
    edit(s) {
      editing = s.id;
      input('name').value = s.name;
      input('query').value = s.query;
      input('schedule').value = s.schedule;
      heading.textContent = `Edit “${s.name}”`;
      submit.textContent = 'Save changes';
      cancel.hidden = false;
      input('name').focus();
    },
  };
}

function searchTable(list: (SavedSearch & { lastRun?: RunSummary })[], manage: boolean, refresh: () => Promise<void>, status: HTMLElement,
  onEdit: (s: SavedSearch) => void): HTMLElement {
  const body = h('tbody');
  for (const s of list) {
    const { from, to } = lastMonth();
    const fromInput = h('input', { type: 'date', value: from, 'aria-label': `From (UTC) for ${s.name}`, class: 'review-date' });
    const toInput = h('input', { type: 'date', value: to, 'aria-label': `To, inclusive (UTC) for ${s.name}`, class: 'review-date' });
    const run = h('button', { class: 'button small', type: 'button', onclick: async () => {
      run.disabled = true;
      status.classList.remove('error');
      status.textContent = `Running “${s.name}”…`;
      try {
        const { run: r } = await runSearch(s.id, fromInput.value, nextDay(toInput.value));
        location.assign(`/reviews/runs/${encodeURIComponent(r.runId)}`);
      } catch (err) {
        status.textContent = `Could not run: ${(err as Error).message}`;
        status.classList.add('error');
        run.disabled = false;
      }
    } }, 'Run');
    const schedule = h('select', { 'aria-label': `Schedule of ${s.name}`, disabled: !manage, onchange: async () => {
      await updateSearch(s.id, { schedule: schedule.value as Schedule }).catch((err: Error) => { status.textContent = err.message; });
      await refresh();
    } }, ...Object.entries(SCHEDULE_LABELS).map(([v, l]) => h('option', v === s.schedule ? { value: v, selected: true } : { value: v }, l)));
    const remove = h('button', { class: 'button small subtle', type: 'button', onclick: async () => {
      if (!confirm(`Delete the saved search “${s.name}”? Its runs are kept.`)) return;
      await deleteSearch(s.id).catch((err: Error) => { status.textContent = err.message; });
      await refresh();
    } }, 'Delete');
    const tr = h('tr', {},
      h('td', {}, h('strong', {}, s.name), h('span', { class: 'url' }, `by ${s.owner}`)),
      h('td', {}, h('code', {}, s.query || '(every session)')),
      h('td', {}, schedule),
      h('td', {}, s.lastRun
        ? h('a', { href: `/reviews/runs/${encodeURIComponent(s.lastRun.runId)}` }, `${periodText(s.lastRun)} · ${s.lastRun.count} session${s.lastRun.count === 1 ? '' : 's'}`)
        : h('span', { class: 'muted' }, 'Never run')),
      h('td', { class: 'actions' }, manage ? h('span', { class: 'review-run-controls' }, fromInput, '–', toInput, run,
        h('button', { class: 'button small subtle', type: 'button', onclick: () => onEdit(s) }, 'Edit'), remove) : null));
    tr.dataset.searchId = s.id;
    body.append(tr);
  }
  return h('table', { class: 'sessions review-table' },
    h('thead', {}, h('tr', {}, ...['Name', 'Query', 'Schedule', 'Last run', manage ? 'Run over (UTC days)' : ''].map((t) => h('th', { scope: 'col' }, t)))), body);
}

function runTable(runs: RunSummary[]): HTMLElement {
  return h('table', { class: 'sessions review-table' },
    h('thead', {}, h('tr', {}, ...['Saved search', 'Period (UTC)', 'Sessions', 'Ran', 'By'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...runs.map((r) => h('tr', {},
      h('td', {}, h('a', { href: `/reviews/runs/${encodeURIComponent(r.runId)}`, class: 'session-link' }, r.savedSearch.name)),
      h('td', {}, periodText(r)),
      h('td', { class: 'num' }, `${r.count}${r.truncated ? '+ (truncated)' : ''}`),
      h('td', {}, formatDateTime(r.ranAt)),
      h('td', {}, r.ranBy)))));
}

export function periodText(r: { period: { from: number; to: number } }): string {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const whole = r.period.from % 86_400_000 === 0 && r.period.to % 86_400_000 === 0;
  if (whole) return r.period.to - r.period.from === 86_400_000 ? day(r.period.from) : `${day(r.period.from)} – ${day(r.period.to - 1)}`;
  return `${new Date(r.period.from).toISOString()} – ${new Date(r.period.to).toISOString()}`;
}

function lastMonth(): { from: string; to: string } {
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
