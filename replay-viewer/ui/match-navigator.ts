/**
 * The player's search matches (opened with `?q=`): previous/next buttons and the keys n / N step through the
 * session's matching moments, showing "match 2 of 5" and the match's snippet. Seeking is the player's own; the player
 * reports every position it settles on (`sync`), so after a seek on the timeline, a page or a key, or while playing,
 * next/previous step from where the replay is, not from the last match stepped to.
 */
import { h } from './dom';
import { formatOffset } from './format';
import { highlighted } from './highlight';
import { highlightWords } from './query-terms';
import type { Match } from './search-api';

export interface MatchNavigator {
  element: HTMLElement;
  /** The replay now shows this offset (ms from its start). */
  sync(offset: number): void;
}

export function createMatchNavigator(opts: {
  matches: Match[];
  query: string;
  /** Epoch ms of the replay's offset 0. */
  first: number;
  /** The replay's length (ms): a match after its last event is shown at its end. */
  total: number;
  /** The moment the player opened at (`?at=`): the match there is the current one. */
  openedAt?: number;
  onSeek(offset: number): void;
}): MatchNavigator {
  const { matches } = opts;
  const words = highlightWords(opts.query);
  // Where each match is on the replay's own clock, as the player clamps a seek.
  const offsets = matches.map((m) => Math.min(opts.total, Math.max(0, Math.round(m.at - opts.first))));
  // Where the replay is; index: the match shown there (-1: between matches), and next/previous step from `anchor`.
  let anchor = opts.openedAt === undefined ? -Infinity : opts.openedAt - opts.first;
  let index = matches.findIndex((m) => m.at === opts.openedAt);
  const step = (dir: 1 | -1): number => {
    if (index >= 0) return index + dir;
    return dir > 0 ? offsets.findIndex((o) => o > anchor) : offsets.filter((o) => o < anchor).length - 1;
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
    anchor = offsets[i]!;
    paint();
    opts.onSeek(offsets[i]!);
  };
  const sync = (offset: number): void => {
    if (offset === anchor) return;
    anchor = offset;
    // Still on the match stepped to (two matches can share a moment), else whichever match is here, if any.
    const here = index >= 0 && offsets[index] === offset ? index : offsets.indexOf(offset);
    const before = [index, prev.disabled, next.disabled];
    index = here;
    if (before[0] !== index || before[1] !== !valid(step(-1)) || before[2] !== !valid(step(1))) paint();
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
  const element = h('div', { class: 'match-bar', role: 'group', 'aria-label': 'Search matches' },
    back, prev, h('span', { class: 'match-status', role: 'status' }, count, ' ', snippet), next);
  return { element, sync };
}
