/**
 * The search bar of the session list: the query input with its syntax hint and examples, a chip per term of the
 * query in force (its ✕ cuts that term out of the text) and, for a malformed query, the API's message with a caret
 * under the position it names. The input keeps what was typed either way.
 */
import { clear, h } from './dom';
import { queryChips } from './query-chips';
import { removeSpan } from './query-terms';
import type { QueryError } from './search-api';

export interface SearchBar {
  el: HTMLElement;
  /** Shows `q` as the query in force: the input's text and its chips. */
  setQuery(q: string): void;
  showError(err: QueryError | undefined): void;
}

const EXAMPLES = ['status:>=500 host:api.bank.example', 'text:"5.1 %" then url:/savings/open', 'channel:kiosk -error:timeout', 'fidelity:missing OR foreign:any'];

export function createSearchBar(opts: { onSearch(q: string): void }): SearchBar {
  let applied = '';
  const input = h('input', {
    id: 'search-query', name: 'q', type: 'search', class: 'search-input', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Words, or field:value…', 'aria-describedby': 'search-hint',
  });
  const chips = h('ul', { class: 'search-chips', 'aria-label': 'Filters in this search' });
  const errorMessage = h('span', { class: 'search-error-message' });
  const errorWhere = h('span', { class: 'visually-hidden' });
  const errorQuery = h('pre', { class: 'search-error-query', 'aria-hidden': 'true' });
  const error = h('div', { id: 'search-error', class: 'search-error', role: 'alert', hidden: true },
    h('p', {}, errorMessage, errorWhere), errorQuery);

  // The UI's CSP has form-action 'none': the form is only ever handled here.
  const form = h('form', { class: 'search-form', onsubmit: (ev: Event) => {
    ev.preventDefault();
    opts.onSearch(input.value.trim());
  } },
  h('label', { for: 'search-query', class: 'search-label' }, 'Search sessions'),
  input,
  h('button', { class: 'button', type: 'submit' }, 'Search'));

  const hint = h('p', { id: 'search-hint', class: 'search-hint' },
    'Words match anything recorded; ', h('code', {}, 'field:value'), ' narrows (',
    h('code', {}, 'status:>=500'), ', ', h('code', {}, 'host:'), ', ', h('code', {}, 'url:/pay*'), ', ', h('code', {}, 'text:"…"'), '); ',
    // Trust terms (docs/FIDELITY.md, docs/FOREIGN-CONTENT.md): they find a session once it has been quiet a while.
    'how far to trust a replay: ', h('code', {}, 'fidelity:missing'), ', ', h('code', {}, 'fidelity:borrowed'), ', ',
    h('code', {}, 'foreign:any'), ', ', h('code', {}, 'foreign:foreign-form-action'), ' (once the session is quiet); ',
    h('code', {}, '-term'), ' excludes; ', h('code', {}, 'A then B'), ' finds A, later B. Examples: ',
    ...EXAMPLES.flatMap((example, i) => [i ? ' ' : null,
      h('button', { type: 'button', class: 'search-example', onclick: () => opts.onSearch(example) }, example)]));

  const renderChips = (): void => {
    clear(chips);
    for (const chip of queryChips(applied)) {
      const name = `${chip.negated ? 'Remove exclusion' : 'Remove filter'} ${chip.label}`;
      chips.append(h('li', {}, h('button', {
        type: 'button', class: `chip${chip.negated ? ' negated' : ''}`, 'aria-label': name, title: name,
        onclick: () => opts.onSearch(removeSpan(applied, chip.start, chip.end)),
      }, chip.negated ? h('span', { class: 'chip-not' }, 'not ') : null, chip.label, h('span', { class: 'chip-x', 'aria-hidden': 'true' }, ' ✕'))));
    }
    chips.hidden = !chips.childElementCount;
  };

  return {
    el: h('section', { class: 'search-bar', role: 'search', 'aria-label': 'Search sessions' }, form, hint, chips, error),
    setQuery(q) {
      applied = q;
      input.value = q;
      renderChips();
      this.showError(undefined);
    },
    showError(err) {
      error.hidden = !err;
      if (err) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', err ? 'search-error search-hint' : 'search-hint');
      if (!err) return;
      const q = input.value;
      const at = Math.min(Math.max(0, err.position), q.length);
      errorMessage.textContent = err.message;
      errorWhere.textContent = ` (at character ${at + 1} of the query)`;
      // The query and a caret line in one monospace block, so the caret sits under the character it names.
      errorQuery.textContent = `${q}\n${' '.repeat(at)}^`;
      errorQuery.dataset.position = String(at);
      input.focus();
      input.setSelectionRange(at, at);
    },
  };
}
