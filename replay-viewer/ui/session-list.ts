/**
 * The session list: sortable and paged over the search index (session-table.ts), or, on a viewer without one, newest
 * first, paged with `after` (the last row's start and id); each row opens the player; above it the search bar. With a
 * query (`/?q=…`, so a search can be shared and survives a reload) search results take the list's place; a viewer
 * without the search API (404) quietly keeps the plain list.
 */
import { listSessions, type ApiSession } from './api';
import { clear, h } from './dom';
import { formatDateTime, formatDuration, shortUrl } from './format';
import { may, whoAmI } from './me';
import { addFilter } from './query-terms';
import { createSearchBar } from './search-bar';
import { showSearchResults } from './search-results';
import { showSortableList, type ListHistory } from './session-table';

const PAGE_SIZE = 50;

export function renderSessionList(root: HTMLElement): void {
  document.title = 'Sessions · Verbatim';
  document.documentElement.dataset.view = 'list';

  const open = h('form', { class: 'open-session', onsubmit: (ev: Event) => {
    ev.preventDefault();
    const value = (open.elements.namedItem('session') as HTMLInputElement).value.trim();
    const id = /\/sessions\/([^/?#]+)/.exec(value)?.[1] ?? value;
    if (id) location.assign(`/sessions/${encodeURIComponent(id)}`);
  } },
  h('label', { for: 'open-session-id' }, 'Open a session'),
  h('input', { id: 'open-session-id', name: 'session', type: 'text', placeholder: 'Session id or link', autocomplete: 'off', spellcheck: 'false' }),
  h('button', { class: 'button', type: 'submit' }, 'Open'));

  // Filters live in the URL (?channel=&terminal=) so a filtered list can be linked to.
  const params = new URLSearchParams(location.search);
  // The UI's CSP has form-action 'none': navigate from script instead of submitting.
  const filter: HTMLFormElement = h('form', { class: 'session-filter', onsubmit: (ev: Event) => {
    ev.preventDefault();
    // The list's order, page size and other filters stay; the page starts again from the first.
    const next = new URLSearchParams(location.search);
    for (const name of ['q', 'cursor', 'at']) next.delete(name);
    for (const name of ['channel', 'terminal', 'customer']) {
      next.delete(name);
      const value = (filter.elements.namedItem(name) as HTMLInputElement).value.trim();
      if (value) next.set(name, value);
    }
    location.assign(`/${next.size ? `?${next}` : ''}`);
  } },
    h('label', { for: 'filter-channel' }, 'Channel'),
    h('select', { id: 'filter-channel', name: 'channel' },
      ...['', 'proxy', 'gateway', 'kiosk'].map((c) => h('option', c === (params.get('channel') ?? '') ? { value: c, selected: true } : { value: c }, c || 'All'))),
    h('label', { for: 'filter-terminal' }, 'Terminal'),
    h('input', { id: 'filter-terminal', name: 'terminal', type: 'text', value: params.get('terminal') ?? '', autocomplete: 'off', spellcheck: 'false' }),
    // Contact-centre lookup: a customer's sessions (agents may only list sessions this way).
    h('label', { for: 'filter-customer' }, 'Customer id'),
    h('input', { id: 'filter-customer', name: 'customer', type: 'text', value: params.get('customer') ?? '', autocomplete: 'off', spellcheck: 'false' }),
    h('button', { class: 'button', type: 'submit' }, 'Filter'));

  const content = h('div', { class: 'list-content' });
  const bar = createSearchBar({ onSearch: (q) => go(q) });
  // Compliance: keep the search in force as a saved search for reviews (the Reviews page's form, prefilled).
  const saveForReview = h('a', { class: 'button small subtle save-review', hidden: true }, 'Save for review');
  bar.el.append(saveForReview);
  clear(root);
  root.append(h('section', { class: 'list-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Recorded sessions'), open),
    bar.el, filter, content));

  let showSave = false;
  const show = (): void => {
    const current = new URLSearchParams(location.search);
    const q = current.get('q')?.trim() ?? '';
    // A fresh area each time: whatever an older list or search still loads lands in a detached element.
    const area = h('div');
    content.replaceChildren(area);
    bar.setQuery(q);
    saveForReview.setAttribute('href', `/reviews?${new URLSearchParams({ query: q })}`);
    saveForReview.dataset.query = q;
    saveForReview.hidden = !showSave || !q;
    filter.hidden = Boolean(q);
    if (!q) {
      void showList(area, current);
      return;
    }
    void showSearchResults(area, q, {
      onAddFilter: (field, value) => go(addFilter(q, field, value)),
      onQueryError: (err) => bar.showError(err),
      onUnavailable: () => {
        bar.el.hidden = true;
        filter.hidden = false;
        showSessionTable(area, current);
      },
    });
  };
  const showList = async (area: HTMLElement, current: URLSearchParams): Promise<void> => {
    const navigate = (params: URLSearchParams, state: ListHistory): void => {
      history.pushState(state, '', params.size ? `/?${params}` : '/');
      show();
    };
    if (!(await showSortableList(area, current, navigate))) showSessionTable(area, current);
  };
  const go = (q: string): void => {
    history.pushState(null, '', q ? `/?${new URLSearchParams({ q })}` : '/');
    show();
  };
  window.addEventListener('popstate', show);
  show();
  // Searching is for roles that may find sessions: all of them, or (agents) those linked to a customer; the API
  // narrows an agent's results, as it narrows replay.
  void whoAmI().then((me) => {
    if (!may(me, 'sessions.list') && !may(me, 'sessions.byCustomer')) bar.el.hidden = true;
    if (me && may(me, 'reviews.manage')) showSave = true;
    saveForReview.hidden = !showSave || !saveForReview.dataset.query;
  });
}

/** The plain list into `area`, filtered by `params` (channel, terminal, customer). */
function showSessionTable(area: HTMLElement, params: URLSearchParams): void {
  const body = h('tbody');
  const status = h('p', { class: 'list-status', role: 'status' }, 'Loading sessions…');
  const more = h('button', { class: 'button', type: 'button', hidden: true }, 'Load older sessions');
  const table = h('table', { class: 'sessions', hidden: true },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Started'),
      h('th', { scope: 'col' }, 'Duration'),
      h('th', { scope: 'col' }, 'Pages'),
      h('th', { scope: 'col' }, 'Channel'),
      h('th', { scope: 'col' }, 'Browser / OS'),
      h('th', { scope: 'col' }, 'Device'),
      h('th', { scope: 'col', class: 'num' }, 'Viewport'),
      h('th', { scope: 'col', class: 'num' }, 'Events'),
      h('th', { scope: 'col' }, ''),
    )),
    body,
  );
  area.append(table, status, more);

  let oldest: { startedAt: number; id: string } | undefined;
  const load = async (): Promise<void> => {
    more.disabled = true;
    try {
      const sessions = await listSessions({
        limit: PAGE_SIZE, after: oldest,
        channel: params.get('channel') ?? undefined, terminal: params.get('terminal') ?? undefined,
        customer: params.get('customer') ?? undefined,
      });
      for (const s of sessions) body.append(row(s));
      const last = sessions[sessions.length - 1];
      if (last) oldest = { startedAt: last.startedAt, id: last.id };
      const total = body.childElementCount;
      table.hidden = total === 0;
      status.textContent = total === 0 ? 'No sessions have been recorded yet.' : '';
      status.hidden = total !== 0;
      // A customer's history comes whole (newest first), not in pages.
      more.hidden = sessions.length < PAGE_SIZE || params.has('customer');
    } catch (err) {
      status.hidden = false;
      status.textContent = `Could not load sessions: ${(err as Error).message}`;
      status.classList.add('error');
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void load());
  void load();
}

function row(s: ApiSession): HTMLTableRowElement {
  const href = `/sessions/${encodeURIComponent(s.id)}`;
  const first = s.pages[0];
  const pages = h('td', { class: 'pages-cell' },
    first
      ? h('span', { class: 'page-first', title: first.url }, first.title || shortUrl(first.url))
      : h('span', { class: 'muted' }, 'No pages'),
    s.pages.length > 1 ? h('span', { class: 'badge' }, `+${s.pages.length - 1}`) : null,
    first && first.title ? h('span', { class: 'url', title: first.url }, shortUrl(first.url)) : null,
  );
  const tr = h('tr', {},
    h('td', {}, h('a', { href, class: 'session-link' }, formatDateTime(s.startedAt))),
    h('td', {}, formatDuration(s.durationMs)),
    pages,
    h('td', {}, s.channel, s.terminalId ? h('span', { class: 'terminal' }, ` · ${s.terminalId}`) : null,
      // Sessions of the same customer link into a history.
      s.customerId ? h('a', { class: 'customer', href: `/?customer=${encodeURIComponent(s.customerId)}`, title: 'All sessions of this customer' }, ` · ${s.customerId}`) : null),
    h('td', {}, [s.browser, s.os].filter(Boolean).join(' · ') || h('span', { class: 'muted' }, 'Unknown')),
    h('td', { class: 'cap' }, s.deviceType || '—'),
    h('td', { class: 'num' }, s.viewport ? `${s.viewport.width} × ${s.viewport.height}` : '—'),
    h('td', { class: 'num' }, String(s.eventCount)),
    h('td', { class: 'actions' }, h('a', { href, class: 'button small' }, 'Replay'), Date.now() - s.endedAt < 60_000 ? h('a', { href: `${href}/live`, class: 'button small watch-live', 'aria-label': `Watch live: session of ${formatDateTime(s.startedAt)}` }, 'Watch live') : null),
  );
  tr.dataset.sessionId = s.id;
  return tr;
}
