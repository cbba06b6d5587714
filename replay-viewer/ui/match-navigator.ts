/**
 * The player's search matches (opened with `?q=`): previous/next buttons and the keys n / N step through the
 * session's matching moments, showing "match 2 of 5" and the match's snippet. Seeking is the player's own.
 */
import { h } from './dom';
import { formatOffset } from './format';
import { highlighted } from './highlight';
import { highlightWords } from './query-terms';
import type { Match } from './search-api';

export function createMatchNavigator(opts: {
  matches: Match[];
  query: string;
  /** Epoch ms of the replay's offset 0. */
  first: number;
  /** The moment the player opened at (`?at=`): the match there is the current one. */
  openedAt?: number;
  onSeek(offset: number): void;
}): HTMLElement {
  const { matches } = opts;
  const words = highlightWords(opts.query);
  const openedAt = opts.openedAt ?? -Infinity;
  // -1: not on a match (opened elsewhere); next/previous then step from the moment it opened at.
  let index = matches.findIndex((m) => m.at === openedAt);
  const step = (dir: 1 | -1): number => {
    if (index >= 0) return index + dir;
    return dir > 0 ? matches.findIndex((m) => m.at > openedAt) : matches.filter((m) => m.at < openedAt).length - 1;
  };
  const valid = (i: number): boolean => i >= 0 && i < matches.length;

  const count = h('span', { class: 'match-count' });
  const snippet = h('span', { class: 'match-snippet' });
  const prev = h('button', { type: 'button', class: 'button small subtle', 'aria-keyshortcuts': 'Shift+N', title: 'Previous match (N)', onclick: () => go(step(-1)) }, '‹ Previous match');
  const next = h('button', { type: 'button', class: 'button small subtle', 'aria-keyshortcuts': 'N', title: 'Next match (n)', onclick: () => go(step(1)) }, 'Next match ›');
  const back = h('a', { class: 'match-back', href: `/?${new URLSearchParams({ q: opts.query })}` }, '← Search results');

  const paint = (): void => {
    const m = matches[index];
    count.textContent = !matches.length ? 'No matching moments in this session'
      : m ? `match ${index + 1} of ${matches.length} · ${formatOffset(m.at - opts.first)}` : `${matches.length} matching moment${matches.length === 1 ? '' : 's'}`;
    snippet.replaceChildren(...(m ? highlighted(m.snippet, words) : []));
    prev.disabled = !valid(step(-1));
    next.disabled = !valid(step(1));
  };
  const go = (i: number): void => {
    if (!valid(i) || i === index) return;
    index = i;
    paint();
    opts.onSeek(matches[i]!.at - opts.first);
  };

  document.addEventListener('keydown', (ev) => {
    if ((ev.key !== 'n' && ev.key !== 'N') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    // Not while typing.
    const target = ev.target as HTMLElement | null;
    if (target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable)) return;
    ev.preventDefault();
    go(step(ev.key === 'n' ? 1 : -1));
  });

  paint();
  return h('div', { class: 'match-bar', role: 'group', 'aria-label': 'Search matches' },
    back, prev, h('span', { class: 'match-status', role: 'status' }, count, ' ', snippet), next);
}
