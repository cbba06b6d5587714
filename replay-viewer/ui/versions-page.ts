/**
 * The site versions page (`/versions`, analysts and compliance): per site (host), the builds its customers were
 * served (analytics/versions/), each with first and last seen, session and page counts and a link to its sessions
 * (a `version:` search); pick two versions of a site to see which assets were added, removed or changed, with sizes
 * and digests. `data-versions-ready="true"` on <html> once the list (or a comparison) is shown.
 */
import { clear, h } from './dom';
import { formatBytes, formatDateTime } from './format';
import { periodPicker, withProgress } from './analytics-controls';
import { compareVersions, listVersions, type SiteVersionSummary, type VersionDiff } from './versions-api';

const short = (digest: string) => digest.slice(0, 16);

export async function renderVersionsPage(root: HTMLElement): Promise<void> {
  document.title = 'Site versions · Verbatim';
  document.documentElement.dataset.view = 'list';
  const ready = (v: boolean) => { document.documentElement.dataset.versionsReady = String(v); };
  ready(false);
  const status = h('p', { class: 'list-status analytics-status', role: 'status', 'aria-live': 'polite' });
  const sitePick = h('select', { id: 'versions-site', onchange: () => showSite() }) as HTMLSelectElement;
  const list = h('div', { class: 'versions-list' });
  const fromPick = h('select', { id: 'versions-from' }) as HTMLSelectElement;
  const toPick = h('select', { id: 'versions-to' }) as HTMLSelectElement;
  const diff = h('div', { class: 'versions-diff', 'aria-live': 'polite' });
  const compareForm = h('form', { class: 'analytics-controls versions-compare', 'aria-label': 'Compare two versions', onsubmit: (e: Event) => { e.preventDefault(); void compare(); } },
    h('label', { for: 'versions-from' }, 'From version'), fromPick, h('label', { for: 'versions-to' }, 'To version'), toPick,
    h('button', { type: 'submit', class: 'button', id: 'versions-compare' }, 'Show what changed'));
  let versions: SiteVersionSummary[] = [];
  const period = periodPicker(() => void load());
  clear(root);
  root.append(h('section', { class: 'list-view analytics-view versions-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Site versions'), h('a', { href: '/analytics/clickmap' }, 'Click maps'), h('a', { href: '/' }, 'All sessions')),
    h('div', { class: 'analytics-controls' }, period.el, h('label', { for: 'versions-site' }, 'Site'), sitePick),
    status, list, h('h2', { class: 'versions-heading' }, 'What changed'), compareForm, diff));

  const ofSite = () => versions.filter((v) => v.host === sitePick.value);
  const option = (v: SiteVersionSummary) => h('option', { value: v.version }, `${v.version} · first seen ${formatDateTime(v.firstSeen)}`);
  const showSite = (): void => {
    const mine = ofSite();
    clear(list);
    clear(diff);
    list.append(versionsTable(sitePick.value, mine));
    // Oldest first in "from", newest in "to": the usual question is what the latest deploy changed.
    fromPick.replaceChildren(...mine.map(option));
    toPick.replaceChildren(...mine.map(option));
    if (mine.length > 1) fromPick.value = mine[1]!.version;
    compareForm.hidden = mine.length < 2;
    ready(true);
  };
  const compare = async (): Promise<void> => {
    ready(false);
    clear(diff);
    const r = await withProgress(status, 'Comparing versions', () => compareVersions(sitePick.value, fromPick.value, toPick.value));
    if (r) diff.append(...renderDiff(r));
    ready(true);
  };
  const load = async (): Promise<void> => {
    ready(false);
    const found = await withProgress(status, 'Finding site versions', () => listVersions(period.period()));
    if (!found) return;
    versions = found;
    const hosts = [...new Set(versions.map((v) => v.host))];
    const wanted = new URLSearchParams(location.search).get('host');
    sitePick.replaceChildren(...hosts.map((host) => h('option', { value: host }, `${host} · ${versions.filter((v) => v.host === host).length} versions`)));
    if (wanted && hosts.includes(wanted)) sitePick.value = wanted;
    if (!hosts.length) status.textContent = 'No page load was served a known version in this period.';
    showSite();
  };
  await load();
}

function versionsTable(host: string, versions: SiteVersionSummary[]): HTMLElement {
  return h('table', { class: 'session-table analytics-table versions-table' },
    h('caption', {}, `Versions of ${host}, newest first`),
    h('thead', {}, h('tr', {}, ...['Version', 'First seen', 'Last seen', 'Sessions', 'Page loads', 'Assets'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...versions.map((v) => h('tr', { 'data-version': v.version },
      h('th', { scope: 'row' }, h('code', {}, v.version)),
      h('td', {}, formatDateTime(v.firstSeen)),
      h('td', {}, formatDateTime(v.lastSeen)),
      h('td', {}, h('a', { href: `/?q=${encodeURIComponent(`version:${v.version}`)}`, 'aria-label': `${v.sessions} sessions served version ${v.version}` }, String(v.sessions))),
      h('td', {}, String(v.pages)),
      h('td', {}, String(v.assets))))));
}

function renderDiff(r: VersionDiff): HTMLElement[] {
  const summary = h('p', { class: 'analytics-summary versions-summary' },
    `From ${r.from.version} to ${r.to.version}: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged} unchanged.`);
  const table = (caption: string, kind: string, rows: HTMLElement[], head: string[]) => h('table', { class: 'session-table analytics-table versions-assets', 'data-diff': kind },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: head.length }, 'None'))])));
  const plain = (list: VersionDiff['added']) => list.map((a) => h('tr', { 'data-url': a.url },
    h('td', {}, a.kind), h('th', { scope: 'row', class: 'url' }, a.url), h('td', {}, formatBytes(a.size)), h('td', {}, h('code', { title: a.digest }, short(a.digest)))));
  return [
    summary,
    table('Added', 'added', plain(r.added), ['Kind', 'Asset', 'Size', 'Digest']),
    table('Removed', 'removed', plain(r.removed), ['Kind', 'Asset', 'Size', 'Digest']),
    table('Changed', 'changed', r.changed.map((c) => h('tr', { 'data-url': c.url },
      h('td', {}, c.kind), h('th', { scope: 'row', class: 'url' }, c.url),
      h('td', {}, `${formatBytes(c.before.size)} → ${formatBytes(c.after.size)}`),
      h('td', {}, h('code', { title: c.before.digest }, short(c.before.digest)), ' → ', h('code', { title: c.after.digest }, short(c.after.digest))))),
    ['Kind', 'Asset', 'Size', 'Digest']),
  ];
}
