/**
 * The waterfall's filters: a text match on the URL (and method and status), type buttons (several may be on; none
 * on means every type), errors only, and a host choice (first party, third party, or one host). Pure state plus
 * its controls; the panel re-filters when any of them changes.
 */
import { h } from './dom';
import { TYPE_FILTERS, TYPE_TEXT, type RequestType, type WaterfallRow } from './network-rows';

export interface FilterState {
  text: string;
  types: Set<RequestType>;
  errorsOnly: boolean;
  /** 'all', 'first', 'third', or 'host:<host>'. */
  host: string;
}

export function matches(row: WaterfallRow, f: FilterState): boolean {
  if (f.types.size && !f.types.has(row.type)) return false;
  if (f.errorsOnly && !row.error) return false;
  if (f.host === 'first' && row.thirdParty) return false;
  if (f.host === 'third' && !row.thirdParty) return false;
  if (f.host.startsWith('host:') && row.host !== f.host.slice(5)) return false;
  if (f.text) {
    const needle = f.text.toLowerCase();
    if (!row.url.toLowerCase().includes(needle) && row.method.toLowerCase() !== needle && row.status !== needle) return false;
  }
  return true;
}

export interface FilterBar {
  el: HTMLElement;
  state: FilterState;
  /** Fills the host choice once the rows are known. */
  setHosts(hosts: string[]): void;
}

export function createFilterBar(onChange: () => void): FilterBar {
  const state: FilterState = { text: '', types: new Set(), errorsOnly: false, host: 'all' };
  const text = h('input', { type: 'search', class: 'network-filter-text', placeholder: 'Filter URLs', 'aria-label': 'Filter requests by URL, method or status' });
  text.addEventListener('input', () => {
    state.text = text.value.trim();
    onChange();
  });
  const typeButtons = TYPE_FILTERS.map((type) => {
    const b = h('button', { type: 'button', class: 'network-type-filter', 'data-type': type, 'aria-pressed': 'false' }, TYPE_TEXT[type]);
    b.addEventListener('click', () => {
      if (state.types.has(type)) state.types.delete(type);
      else state.types.add(type);
      b.setAttribute('aria-pressed', String(state.types.has(type)));
      onChange();
    });
    return b;
  });
  const errors = h('input', { type: 'checkbox', class: 'network-errors-only' });
  errors.addEventListener('change', () => {
    state.errorsOnly = errors.checked;
    onChange();
  });
  const host = h('select', { class: 'network-host-filter', 'aria-label': 'Hosts' },
    h('option', { value: 'all' }, 'All hosts'), h('option', { value: 'first' }, 'First party'), h('option', { value: 'third' }, 'Third party'));
  host.addEventListener('change', () => {
    state.host = host.value;
    onChange();
  });
  const el = h('div', { class: 'network-filters' },
    text,
    h('div', { class: 'network-types', role: 'group', 'aria-label': 'Request types (none pressed: all)' }, ...typeButtons),
    h('label', { class: 'network-errors-label' }, errors, ' Errors only'),
    host);
  return {
    el, state,
    setHosts: (hosts) => {
      for (const name of hosts) host.append(h('option', { value: `host:${name}` }, name));
    },
  };
}
