/** The session list: newest first, paged with `before`, each row opening the player. */
import { listSessions, type ApiSession } from './api';
import { clear, h } from './dom';
import { formatDateTime, formatDuration, shortUrl } from './format';

const PAGE_SIZE = 50;

export function renderSessionList(root: HTMLElement): void {
  document.title = 'Sessions · Verbatim';
  document.documentElement.dataset.view = 'list';

  const body = h('tbody');
  const status = h('p', { class: 'list-status', role: 'status' }, 'Loading sessions…');
  const more = h('button', { class: 'button', type: 'button', hidden: true }, 'Load older sessions');
  const table = h('table', { class: 'sessions', hidden: true },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Started'),
      h('th', { scope: 'col' }, 'Duration'),
      h('th', { scope: 'col' }, 'Pages'),
      h('th', { scope: 'col' }, 'Browser / OS'),
      h('th', { scope: 'col' }, 'Device'),
      h('th', { scope: 'col', class: 'num' }, 'Viewport'),
      h('th', { scope: 'col', class: 'num' }, 'Events'),
      h('th', { scope: 'col' }, ''),
    )),
    body,
  );

  const open = h('form', { class: 'open-session', onsubmit: (ev: Event) => {
    ev.preventDefault();
    const value = (open.elements.namedItem('session') as HTMLInputElement).value.trim();
    const id = /\/sessions\/([^/?#]+)/.exec(value)?.[1] ?? value;
    if (id) location.assign(`/sessions/${encodeURIComponent(id)}`);
  } },
  h('label', { for: 'open-session-id' }, 'Open a session'),
  h('input', { id: 'open-session-id', name: 'session', type: 'text', placeholder: 'Session id or link', autocomplete: 'off', spellcheck: 'false' }),
  h('button', { class: 'button', type: 'submit' }, 'Open'));

  clear(root);
  root.append(h('section', { class: 'list-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Recorded sessions'), open),
    table, status, more));

  let oldest: number | undefined;
  const load = async (): Promise<void> => {
    more.disabled = true;
    try {
      const sessions = await listSessions({ limit: PAGE_SIZE, before: oldest });
      for (const s of sessions) body.append(row(s));
      if (sessions.length) oldest = sessions[sessions.length - 1]!.startedAt;
      const total = body.childElementCount;
      table.hidden = total === 0;
      status.textContent = total === 0 ? 'No sessions have been recorded yet.' : '';
      status.hidden = total !== 0;
      more.hidden = sessions.length < PAGE_SIZE;
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
    h('td', {}, [s.browser, s.os].filter(Boolean).join(' · ') || h('span', { class: 'muted' }, 'Unknown')),
    h('td', { class: 'cap' }, s.deviceType || '—'),
    h('td', { class: 'num' }, s.viewport ? `${s.viewport.width} × ${s.viewport.height}` : '—'),
    h('td', { class: 'num' }, String(s.eventCount)),
    h('td', { class: 'actions' }, h('a', { href, class: 'button small' }, 'Replay')),
  );
  tr.dataset.sessionId = s.id;
  return tr;
}
