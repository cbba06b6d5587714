/**
 * The audit trail (`/audit`, auditors and administrators): the chain status in words, filters (actor, action,
 * session, a range of UTC days) kept in the URL, pages of the whole trail keyed on the sequence number ("Older"
 * follows `next`; "Newer" goes back through the cursors already used, so no entry is seen twice or skipped), and
 * export of everything the filters match as CSV or JSON.
 */
import { auditPage, chainStatus, exportUrl, type AuditEntry, type AuditQuery, type ChainStatus } from './audit-api';
import { clear, h } from './dom';

const PAGE_SIZES = [50, 100, 200, 500];
const ACTIONS = ['sign-in', 'sign-out', 'search', 'view', 'replay', 'technical', 'export', 'config', 'audit-read', 'audit-export',
  'review-config', 'review-run', 'review-read', 'review-download', 'review-mark', 'live', 'live-end',
  'note-read', 'note-add', 'note-edit', 'note-delete', 'access', 'csrf-rejected'];
const DAY_MS = 86_400_000;

export async function renderAuditPage(root: HTMLElement): Promise<void> {
  document.title = 'Audit trail · Verbatim';
  document.documentElement.dataset.view = 'list';
  const params = new URLSearchParams(location.search);
  const chain = h('div', { class: 'audit-chain', role: 'status' }, 'Checking the chain…');
  const status = h('p', { class: 'list-status', role: 'status' });
  const tableBox = h('div', { class: 'admin-table-wrap' });
  const older = h('button', { class: 'button subtle', type: 'button', disabled: true }, 'Older entries');
  const newer = h('button', { class: 'button subtle', type: 'button', disabled: true }, 'Newer entries');
  const csv = h('a', { class: 'button small subtle', download: '' }, 'Export CSV');
  const json = h('a', { class: 'button small subtle', download: '' }, 'Export JSON');
  const input = (name: string, label: string, type = 'text', value = params.get(name) ?? '') => [
    h('label', { for: `audit-${name}` }, label),
    h('input', { id: `audit-${name}`, name, type, value, autocomplete: 'off', spellcheck: 'false', ...(name === 'action' ? { list: 'audit-actions' } : {}) }),
  ];
  const form: HTMLFormElement = h('form', { class: 'admin-form audit-filters', 'aria-label': 'Filter the audit trail', onsubmit: (ev: Event) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const name of ['actor', 'action', 'session', 'from', 'to', 'size']) {
      const v = (form.elements.namedItem(name) as HTMLInputElement).value.trim();
      if (v) next.set(name, v);
    }
    history.replaceState(null, '', `/audit${next.size ? `?${next}` : ''}`);
    void load();
  } },
  ...input('actor', 'Actor'), ...input('action', 'Action'),
  h('datalist', { id: 'audit-actions' }, ...ACTIONS.map((a) => h('option', { value: a }))),
  ...input('session', 'Session'), ...input('from', 'From (UTC day)', 'date'), ...input('to', 'To (UTC day)', 'date'),
  h('label', { for: 'audit-size' }, 'Per page'),
  h('select', { id: 'audit-size', name: 'size' }, ...PAGE_SIZES.map((n) => h('option', String(n) === (params.get('size') ?? '100') ? { value: n, selected: true } : { value: n }, String(n)))),
  h('button', { class: 'button', type: 'submit' }, 'Apply'));

  clear(root);
  root.append(h('section', { class: 'list-view audit-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Audit trail'), h('span', { class: 'admin-inline' }, csv, json)),
    chain, form, status, tableBox, h('div', { class: 'audit-paging' }, newer, older)));

  // Cursors of the pages shown so far: cursors[i] is the `before` of page i (undefined: the newest).
  let cursors: (number | undefined)[] = [];
  let query: AuditQuery = {};
  let size = 100;
  // The count when the view was opened: entries appended since (this page's own reads among them) sort before the
  // first page and are not part of the pages being walked.
  let total: number | undefined;

  const show = async (page: number): Promise<void> => {
    try {
      const res = await auditPage(query, size, cursors[page]);
      cursors = cursors.slice(0, page + 1);
      total ??= res.total;
      if (res.next !== undefined) cursors[page + 1] = res.next;
      clear(tableBox);
      tableBox.append(res.entries.length ? table(res.entries) : h('p', { class: 'muted' }, 'No entries match.'));
      const first = page * size + 1;
      status.textContent = res.entries.length ? `Entries ${first}–${first + res.entries.length - 1} of ${total} (newest first).` : '';
      older.disabled = res.next === undefined;
      newer.disabled = page === 0;
      older.onclick = () => void show(page + 1);
      newer.onclick = () => void show(page - 1);
    } catch (err) {
      status.textContent = `Could not load the trail: ${(err as Error).message}`;
      status.classList.add('error');
    }
  };

  const load = async (): Promise<void> => {
    const p = new URLSearchParams(location.search);
    const day = (name: string, end: boolean) => {
      const v = p.get(name);
      const t = v ? Date.parse(`${v}T00:00:00Z`) : NaN;
      return Number.isNaN(t) ? undefined : end ? t + DAY_MS - 1 : t;
    };
    query = { actor: p.get('actor') || undefined, action: p.get('action') || undefined, session: p.get('session') || undefined, from: day('from', false), to: day('to', true) };
    size = PAGE_SIZES.includes(Number(p.get('size'))) ? Number(p.get('size')) : 100;
    csv.href = exportUrl(query, 'csv');
    json.href = exportUrl(query, 'json');
    cursors = [];
    total = undefined;
    await show(0);
  };

  // After the first page: its own audit-read entry is then part of the chain that is checked.
  await load();
  await chainStatus().then((c) => showChain(chain, c), (err: unknown) => {
    chain.textContent = `Could not check the chain: ${(err as Error).message}`;
  });
}

function showChain(box: HTMLElement, c: ChainStatus): void {
  box.className = `audit-chain ${c.ok ? 'ok' : 'broken'}`;
  box.dataset.chain = c.ok ? 'intact' : 'broken';
  box.replaceChildren(h('strong', {}, `Audit chain: ${c.summary}`), h('p', {}, c.meaning));
}

function table(entries: AuditEntry[]): HTMLElement {
  const iso = (t: number) => new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return h('table', { class: 'sessions admin-table audit-table', 'aria-label': 'Audit entries' },
    h('thead', {}, h('tr', {}, ...['#', 'Time', 'Actor', 'Role', 'Action', 'Outcome', 'Target', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...entries.map((e) => h('tr', { 'data-seq': e.seq, class: e.outcome === 'ok' ? undefined : `outcome-${e.outcome}` },
      h('td', { class: 'num' }, String(e.seq)), h('td', { class: 'nowrap' }, iso(e.at)), h('td', {}, e.actor), h('td', {}, e.role ?? ''),
      h('td', {}, e.action), h('td', {}, e.outcome), h('td', { class: 'mono' }, e.target ?? ''),
      h('td', { class: 'audit-details mono' }, e.details ? Object.entries(e.details).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ') : '')))));
}
