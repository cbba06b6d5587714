/**
 * Search results on the session list: how many sessions match, facet counts that add a filter when clicked, and a
 * list of links, each opening the player at the session's first matching moment, with the matching snippet (query
 * words marked) and when it happened. Cursor-paged ("More results").
 */
import type { HitKind, SearchResult } from '../search/types';
import { clear, h } from './dom';
import { formatDateTime, formatDuration, formatOffset, shortUrl } from './format';
import { highlighted } from './highlight';
import { highlightWords } from './query-terms';
import { FACETS, QueryError, searchSessions, type SearchResponse } from './search-api';

export interface SearchHandlers {
  onAddFilter(field: string, value: string): void;
  onQueryError(err: QueryError): void;
  /** The viewer has no search API (404): show the plain list instead. */
  onUnavailable(): void;
}

const KIND_LABELS: Record<HitKind, string> = {
  marker: 'Marker',
  url: 'Page', title: 'Title', text: 'Text', typed: 'Typed', clicked: 'Clicked', error: 'Error', request: 'Request', websocket: 'WebSocket',
  struggle: 'Struggle', foreign: 'Not from the bank', fidelity: 'Fidelity',
};

/** Only the latest search may paint: an older answer arriving late is dropped. */
let generation = 0;

export async function showSearchResults(area: HTMLElement, q: string, handlers: SearchHandlers): Promise<void> {
  const mine = ++generation;
  const status = h('p', { class: 'list-status', role: 'status' }, 'Searching…');
  clear(area);
  area.append(status);
  let page: SearchResponse | undefined;
  try {
    page = await searchSessions(q);
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof QueryError) {
      clear(area);
      handlers.onQueryError(err);
      return;
    }
    status.classList.add('error');
    status.textContent = `Could not search: ${(err as Error).message}`;
    return;
  }
  if (mine !== generation) return;
  if (!page) {
    handlers.onUnavailable();
    return;
  }

  const words = highlightWords(q);
  const list = h('ol', { class: 'search-results', 'aria-label': 'Matching sessions' });
  const more = h('button', { class: 'button subtle', type: 'button' }, 'More results');
  let next = page.next;
  const addPage = (p: SearchResponse): void => {
    for (const r of p.results) list.append(resultItem(r, q, words));
    next = p.next;
    more.hidden = !next;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const p = await searchSessions(q, next);
      if (p && mine === generation) addPage(p);
    } catch (err) {
      status.textContent = `Could not load more results: ${(err as Error).message}`;
    } finally {
      more.disabled = false;
    }
  });

  status.textContent = page.total === 0 ? 'No sessions match this search.'
    : `${page.total.toLocaleString()}${page.totalCapped ? '+' : ''} matching session${page.total === 1 ? '' : 's'}`;
  status.classList.add('search-summary');
  addPage(page);
  clear(area);
  area.append(status, h('div', { class: 'search-layout' }, facetPanel(page, handlers), h('div', { class: 'search-main' }, list, more)));
}

function facetPanel(page: SearchResponse, handlers: SearchHandlers): HTMLElement {
  const panel = h('aside', { class: 'search-facets', 'aria-label': 'Narrow the search' });
  for (const field of FACETS) {
    const counts = page.facets?.[field] ?? [];
    if (!counts.length) continue;
    const values = h('ul', {}, ...counts.map((c) => h('li', {}, h('button', {
      // The name starts with what the button shows (axe: label-content-name-mismatch), so speech input finds it.
      type: 'button', class: 'facet-value', 'aria-label': `${c.value} ${c.count.toLocaleString()} sessions: add the filter ${field}:${c.value}`,
      onclick: () => handlers.onAddFilter(field, c.value),
    }, h('span', { class: 'facet-name' }, c.value), ' ', h('span', { class: 'facet-count' }, c.count.toLocaleString())))));
    const section = h('section', { class: 'facet', 'data-facet': field }, h('h2', {}, field === 'os' ? 'OS' : field[0]!.toUpperCase() + field.slice(1)), values);
    // The country data's licence (CC BY 4.0) asks for this link wherever its results are shown.
    if (field === 'country') section.append(h('p', { class: 'facet-source' }, h('a', { href: 'https://db-ip.com', target: '_blank', rel: 'noopener noreferrer' }, 'IP Geolocation by DB-IP')));
    panel.append(section);
  }
  return panel;
}

function resultItem(r: SearchResult, q: string, words: string[]): HTMLLIElement {
  const s = r.session;
  const params = new URLSearchParams();
  if (r.firstMatch) params.set('at', String(r.firstMatch.at));
  params.set('q', q);
  const href = `/sessions/${encodeURIComponent(s.id)}?${params}`;
  const facts = [s.channel, s.terminal, s.browser, s.os, s.device, s.country].filter(Boolean).join(' · ');
  const li = h('li', { class: 'search-result' },
    h('a', { href, class: 'search-result-link' },
      h('span', { class: 'search-result-when' }, formatDateTime(s.startedAt)),
      s.entryUrl ? h('span', { class: 'search-result-entry', title: s.entryUrl }, shortUrl(s.entryUrl)) : null,
      // docs/STRUGGLE.md: 0–100 from the session's struggle signals; `score:>60` finds the high ones.
      s.struggleScore > 0 ? h('span', { class: `struggle-score${s.struggleScore >= 60 ? ' high' : ''}`, title: 'Struggle score (0–100): rage, dead and error clicks, failed requests, abandoned forms…' }, `Struggle ${s.struggleScore}`) : null),
    r.firstMatch ? h('p', { class: 'search-snippet' },
      h('span', { class: 'hit-kind' }, KIND_LABELS[r.firstMatch.kind] ?? r.firstMatch.kind), ' ',
      ...highlighted(r.firstMatch.snippet, words)) : null,
    h('p', { class: 'search-moment' },
      r.firstMatch ? `At ${formatOffset(r.firstMatch.at - s.startedAt)} into the session (${formatDateTime(r.firstMatch.at)})` : 'Matches the session as a whole',
      r.matchCount > 1 ? ` · ${r.matchCount} matching moments` : '',
      ` · ${formatDuration(s.durationMs)}, ${s.pageCount} page${s.pageCount === 1 ? '' : 's'}`,
      facts ? ` · ${facts}` : ''),
  );
  li.dataset.sessionId = s.id;
  return li;
}
