/**
 * The network log under the replay, for roles with technical views: the rows of
 * network-rows.ts on the replay's clock. A row's time seeks the replay to it, and
 * rows up to the moment shown are marked as passed. Loaded when first opened
 * (reading it is audited as 'technical'), so watching a replay does not fetch it.
 */
import { getNetworkLog, type ApiNetworkLog } from './api';
import { h } from './dom';
import { formatDateTime, formatOffset } from './format';
import { networkRows, type NetworkRow } from './network-rows';

export interface NetworkPanel {
  toggle: HTMLButtonElement;
  panel: HTMLElement;
  /** The replay shows this offset (ms after its first event). */
  setTime(offset: number): void;
}

export function createNetworkPanel(opts: {
  sessionId: string; first: number; onSeek(offset: number): void;
  /** One read of the log shared with the activity feed (one 'technical' audit entry, not two). */
  load?: () => Promise<ApiNetworkLog>;
}): NetworkPanel {
  const status = h('p', { class: 'network-status', role: 'status' }, 'Loading the network log…');
  const body = h('tbody');
  const table = h('table', { class: 'network', hidden: true },
    h('thead', {}, h('tr', {}, ...['Time', 'Request', 'Status', 'URL / message', 'Type', 'Size'].map((t) => h('th', { scope: 'col' }, t)))),
    body);
  const panel = h('section', { class: 'network-panel', 'aria-label': 'Network log', hidden: true }, status, table);
  panel.id = 'network-panel';
  let rows: { at: number; el: HTMLTableRowElement }[] = [];
  let passed = 0;
  let shown = 0;
  let loading: Promise<void> | undefined;

  const setTime = (offset: number): void => {
    shown = offset;
    const now = opts.first + offset;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid]!.at <= now) lo = mid + 1; else hi = mid;
    }
    // Only the rows between the old and the new moment change (this runs every frame while playing).
    for (let i = Math.min(lo, passed); i < Math.max(lo, passed); i++) rows[i]!.el.classList.toggle('passed', i < lo);
    rows[passed - 1]?.el.classList.remove('current');
    rows[lo - 1]?.el.classList.add('current');
    passed = lo;
  };

  const load = async (): Promise<void> => {
    try {
      const specs = networkRows(await (opts.load ?? (() => getNetworkLog(opts.sessionId)))());
      rows = specs.map((row) => ({ at: row.at, el: rowElement(row, opts) }));
      body.append(...rows.map((r) => r.el));
      status.textContent = specs.length ? '' : 'No requests were recorded in this session.';
      status.hidden = specs.length > 0;
      table.hidden = specs.length === 0;
      toggle.textContent = `Network log (${specs.length})`;
      passed = 0;
      setTime(shown);
    } catch (err) {
      status.classList.add('error');
      status.textContent = `Could not load the network log: ${(err as Error).message}`;
    }
  };

  const toggle = h('button', { class: 'button small subtle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'network-panel', onclick: () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) loading ??= load();
  } }, 'Network log');
  toggle.id = 'network-toggle';
  return { toggle, panel, setTime };
}

function rowElement(row: NetworkRow, opts: { first: number; onSeek(offset: number): void }): HTMLTableRowElement {
  const offset = Math.max(0, row.at - opts.first);
  const el = h('tr', { class: `network-row ${row.kind}`, 'data-kind': row.kind, 'data-direction': row.direction },
    h('td', { class: 'network-time' },
      h('button', { type: 'button', title: `Show this moment (${formatDateTime(row.at)})`, onclick: () => opts.onSeek(offset) }, formatOffset(offset))),
    h('td', { class: 'network-request' }, row.request),
    h('td', { class: 'network-status-code' }, row.status),
    h('td', { class: 'network-detail', title: row.title }, row.detail),
    h('td', { class: 'network-type' }, row.type),
    h('td', { class: 'network-size' }, row.size));
  el.dataset.at = String(row.at);
  return el;
}
