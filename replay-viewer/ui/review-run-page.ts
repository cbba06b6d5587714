/**
 * One review run (`/reviews/runs/<id>`): what was searched over which period, whether the kept result set's signature
 * verifies, progress, CSV/JSON downloads, and every session with a link opening the replay at its first match, its
 * current mark, a note and the mark buttons; earlier marks stay listed under each.
 */
import { clear, h } from './dom';
import { formatDateTime } from './format';
import { may, whoAmI } from './me';
import { downloadUrl, getRun, markSession, type Mark, type MarkStatus, type RunView } from './reviews-api';
import { periodText } from './reviews-page';

const STATUS_LABELS: Record<MarkStatus, string> = { open: 'Open', reviewed: 'Reviewed', flagged: 'Flagged' };

export async function renderReviewRunPage(root: HTMLElement, runId: string): Promise<void> {
  document.title = 'Review run · Verbatim';
  document.documentElement.dataset.view = 'list';
  const manage = may(await whoAmI(), 'reviews.manage');
  clear(root);
  const status = h('p', { class: 'list-status', role: 'status' }, 'Loading the run…');
  root.append(status);
  let view: RunView;
  try {
    view = await getRun(runId);
  } catch (err) {
    status.textContent = `Could not load the run: ${(err as Error).message}`;
    status.classList.add('error');
    return;
  }
  const r = view.result;
  const progress = h('p', { class: 'review-progress', 'aria-live': 'polite' });
  const showProgress = (): void => {
    progress.textContent = `${view.progress.reviewed} reviewed · ${view.progress.flagged} flagged · ${view.progress.open} open`;
  };
  showProgress();
  const signature = h('span', { class: `review-signature ${view.signature.ok ? 'ok' : 'bad'}`, 'data-signature': view.signature.ok ? 'ok' : 'bad' },
    view.signature.ok ? `Signature verifies (store key ${view.signature.keyId})` : `Signature does NOT verify: ${view.signature.reason}`);
  const onMarked = (sessionId: string, mark: Mark): void => {
    const entry = view.marks[sessionId];
    const before = entry?.current.status ?? 'open';
    view.progress[before] -= 1;
    view.progress[mark.status] += 1;
    if (entry) {
      entry.history.push(entry.current);
      entry.current = mark;
    } else view.marks[sessionId] = { current: mark, history: [] };
    showProgress();
  };
  clear(root);
  root.append(h('section', { class: 'list-view reviews-view' },
    h('div', { class: 'list-head' }, h('h1', {}, r.savedSearch.name), h('a', { href: '/reviews' }, 'All reviews')),
    h('dl', { class: 'facts review-facts' },
      fact('Query', h('code', {}, r.savedSearch.query || '(every session)')),
      fact('Period (UTC)', periodText(r)),
      fact('Ran', `${formatDateTime(r.ranAt)} by ${r.ranBy}${r.trigger === 'schedule' ? ' (schedule)' : ''}`),
      fact('Sessions', String(r.count))),
    r.truncated ? h('p', { class: 'player-notice review-truncated', role: 'alert' }, `More sessions matched than a run keeps (${r.count}): narrow the query or the period.`) : null,
    h('div', { class: 'review-toolbar' }, progress, signature, statusFilter(),
      h('a', { class: 'button small subtle', href: downloadUrl(r.runId, 'csv'), download: '' }, 'Download CSV'),
      h('a', { class: 'button small subtle', href: downloadUrl(r.runId, 'json'), download: '' }, 'Download signed JSON')),
    r.rows.length ? h('table', { class: 'sessions review-table' },
      h('thead', {}, h('tr', {}, ...['Started', 'Channel', 'Customer', 'First match', 'Status', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...r.rows.map((row) => rowOf(r.runId, row, view.marks[row.sessionId], manage, onMarked))))
      : h('p', { class: 'list-status' }, 'No session matched in this period.')));
}

/** Shows only the sessions of one status (rows carry it in data-status, kept current by rowOf). */
function statusFilter(): HTMLElement {
  const select = h('select', { class: 'review-filter', 'aria-label': 'Show sessions', onchange: () => {
    for (const tr of document.querySelectorAll<HTMLTableRowElement>('.review-table tbody tr')) {
      tr.hidden = select.value !== 'all' && tr.dataset.status !== select.value;
    }
  } }, h('option', { value: 'all' }, 'All sessions'), ...Object.entries(STATUS_LABELS).map(([v, l]) => h('option', { value: v }, `${l} only`)));
  return select;
}

function fact(name: string, value: Node | string): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', {}, name), h('dd', {}, value));
}

function rowOf(runId: string, row: RunView['result']['rows'][number], marks: RunView['marks'][string] | undefined, manage: boolean,
  onMarked: (sessionId: string, mark: Mark) => void): HTMLTableRowElement {
  const current = h('span', { class: 'review-status' });
  const history = h('ol', { class: 'review-history' });
  const note = h('textarea', { class: 'review-note', rows: 2, maxlength: 2000, 'aria-label': `Note for session ${row.sessionId}`, disabled: !manage });
  const error = h('span', { class: 'search-error', role: 'alert' });
  const show = (m: Mark | undefined, earlier: Mark[]): void => {
    const st = m?.status ?? 'open';
    current.textContent = STATUS_LABELS[st];
    current.dataset.status = st;
    tr.dataset.status = st;
    note.value = m?.note ?? '';
    clear(history);
    for (const e of [...earlier].reverse()) history.append(h('li', {}, `${STATUS_LABELS[e.status]} by ${e.by}, ${formatDateTime(e.at)}${e.note ? `: ${e.note}` : ''}`));
    history.hidden = !earlier.length;
  };
  let earlier = marks ? [...marks.history] : [];
  let latest = marks?.current;
  const button = (st: MarkStatus, label: string) => h('button', { class: 'button small subtle', type: 'button', onclick: async () => {
    error.textContent = '';
    try {
      const { mark } = await markSession(runId, row.sessionId, st, note.value);
      if (latest) earlier = [...earlier, latest];
      latest = mark;
      onMarked(row.sessionId, mark);
      show(latest, earlier);
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  } }, label);
  const tr = h('tr', {},
    h('td', {}, h('a', { class: 'session-link', href: row.replay, title: 'Open the replay at the first match' }, formatDateTime(row.startedAt))),
    h('td', {}, row.channel),
    h('td', {}, row.customerLinked ? 'Linked' : h('span', { class: 'muted' }, 'None')),
    h('td', {}, row.firstMatchAt !== null ? formatDateTime(row.firstMatchAt) : h('span', { class: 'muted' }, 'Whole session'), row.matchCount > 1 ? ` (${row.matchCount})` : ''),
    h('td', {}, current),
    h('td', { class: 'review-note-cell' }, note,
      manage ? h('span', { class: 'review-mark-buttons' }, button('reviewed', 'Reviewed'), button('flagged', 'Flag'), button('open', 'Reopen')) : null,
      error, history));
  tr.dataset.sessionId = row.sessionId;
  show(latest, earlier);
  return tr;
}
