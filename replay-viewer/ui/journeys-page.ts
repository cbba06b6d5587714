/**
 * The journey map page (`/analytics/journeys`, analysts and compliance): over a period, the most common paths between
 * pages as a Sankey diagram (sankey.ts), with entry and exit pages and the commonest whole paths. Picking a link or a
 * path (mouse or keyboard; the link table below the map is the same list as text) lists its sessions, each opening
 * the replay at the session's first page.
 */
import { clear, h } from './dom';
import { formatDateTime } from './format';
import { journeyReport, journeySessions, replayAt, type JourneyPick, type JourneyReport, type Period } from './analytics-api';
import { periodPicker } from './analytics-period';
import { drawSankey } from './sankey';

export async function renderJourneysPage(root: HTMLElement): Promise<void> {
  document.title = 'Journey map · Verbatim';
  document.documentElement.dataset.view = 'list';
  const result = h('div', { class: 'journey-result' });
  const listed = h('div', { class: 'journey-sessions', id: 'journey-sessions' });
  const picker = periodPicker('journey', () => void show());
  clear(root);
  root.append(h('section', { class: 'list-view analytics-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Journey map'),
      h('nav', { class: 'analytics-nav', 'aria-label': 'Analytics' }, h('a', { href: '/analytics/funnels' }, 'Funnels'), ' · ', h('a', { href: '/' }, 'All sessions'))),
    picker.el, result, listed));

  const list = async (period: Period, pick: JourneyPick, what: string): Promise<void> => {
    clear(listed);
    const heading = h('h2', { class: 'review-heading', tabindex: -1 }, what);
    listed.append(heading);
    try {
      const r = await journeySessions(period, pick);
      listed.append(h('p', { class: 'muted' }, r.total > r.sessions.length ? `${r.total} sessions; the newest ${r.sessions.length} are listed.` : `${r.total} sessions.`),
        h('ul', { class: 'funnel-drop-list' }, ...r.sessions.map((s) => h('li', {},
          h('a', { class: 'session-link', href: replayAt(s.session, s.at) }, s.session), ' ', h('span', { class: 'muted' }, `entered ${formatDateTime(s.at)}`)))));
    } catch (err) {
      listed.append(h('p', { class: 'list-status error' }, `Could not list the sessions: ${(err as Error).message}`));
    }
    heading.focus();
  };

  const show = async (): Promise<void> => {
    const period = picker.period();
    clear(result);
    clear(listed);
    try {
      const r = await journeyReport(period, (p) => picker.progress(p));
      picker.progress(undefined, `${r.sessions} sessions entered the site between ${formatDateTime(r.period.from)} and ${formatDateTime(r.period.to)}.`);
      result.append(view(r, period, list));
    } catch (err) {
      picker.progress(undefined, `Could not compute the journey map: ${(err as Error).message}`, true);
    }
  };
  await show();
}

function view(r: JourneyReport, period: Period, list: (p: Period, pick: JourneyPick, what: string) => Promise<void>): HTMLElement {
  const linkText = (l: JourneyReport['links'][number]) => `${l.from} → ${l.to === '(exit)' ? 'left the site' : l.to}`;
  const pickLink = (l: JourneyReport['links'][number]) => void list(period, { step: l.step, from: l.from, to: l.to }, `Step ${l.step + 1}: ${linkText(l)}`);
  const counted = (title: string, rows: { url: string; sessions: number }[]) => h('div', { class: 'journey-ends' }, h('h2', { class: 'review-heading' }, title),
    h('table', { class: 'sessions' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Page'), h('th', { scope: 'col', class: 'num' }, 'Sessions'))),
      h('tbody', {}, ...rows.map((x) => h('tr', {}, h('td', {}, x.url), h('td', { class: 'num' }, String(x.sessions)))))));
  return h('div', {},
    h('div', { class: 'sankey-wrap' }, drawSankey(r, pickLink)),
    h('div', { class: 'journey-columns' }, counted('Entry pages', r.entries), counted('Exit pages', r.exits)),
    h('h2', { class: 'review-heading' }, 'Most common paths'),
    h('table', { class: 'sessions journey-paths' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Path'), h('th', { scope: 'col', class: 'num' }, 'Sessions'), h('th', { scope: 'col' }, 'List'))),
      h('tbody', {}, ...r.paths.map((p) => h('tr', {}, h('td', {}, p.steps.join(' → ')), h('td', { class: 'num' }, String(p.sessions)),
        h('td', { class: 'actions' }, h('button', { class: 'button small subtle', type: 'button', 'aria-label': `List the ${p.sessions} sessions of the path ${p.steps.join(' then ')}`,
          onclick: () => void list(period, { path: p.steps }, `Path: ${p.steps.join(' → ')}`) }, 'Sessions')))))),
    h('h2', { class: 'review-heading' }, 'Links'),
    h('table', { class: 'sessions journey-links' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, 'Step'), h('th', { scope: 'col' }, 'From → to'), h('th', { scope: 'col', class: 'num' }, 'Sessions'), h('th', { scope: 'col' }, 'List'))),
      h('tbody', {}, ...r.links.map((l) => h('tr', {}, h('td', { class: 'num' }, String(l.step + 1)), h('td', {}, linkText(l)), h('td', { class: 'num' }, String(l.sessions)),
        h('td', { class: 'actions' }, h('button', { class: 'button small subtle', type: 'button', 'aria-label': `List the ${l.sessions} sessions: ${linkText(l)} at step ${l.step + 1}`, onclick: () => pickLink(l) }, 'Sessions')))))));
}
