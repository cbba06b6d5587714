/**
 * The network panel in the player's dock, as a waterfall: one row per request (network-rows.ts) with method, URL,
 * status, type, size and duration, and a bar on a time axis shared with the replay: the axis spans the whole
 * recording, a line marks the moment shown, rows that start after it are dimmed. Filters (network-filters.ts) narrow
 * the rows; choosing a row (click, or Enter on the focused grid) seeks the replay to the request and opens its
 * details (network-details.ts).
 *
 * Thousands of requests stay cheap: rows have one fixed height and only those in view (plus a margin) exist in the
 * DOM; the grid keeps focus itself and points at the active row with aria-activedescendant, so scrolling never
 * drops the keyboard's focus. Loaded when first opened (reading it is audited as 'technical').
 */
import { getNetworkLog, type ApiNetworkLog } from './api';
import { clear, h } from './dom';
import { formatBytes, formatOffset, shortUrl } from './format';
import { createFilterBar, matches } from './network-filters';
import { detailsContent } from './network-details';
import { TYPE_TEXT, waterfallRows, type WaterfallRow } from './network-rows';

export interface NetworkPanel {
  toggle: HTMLButtonElement;
  panel: HTMLElement;
  /** The replay shows this offset (ms after its first event). */
  setTime(offset: number): void;
}

/** Keep in step with .network-row's height in styles.css. */
export const ROW_HEIGHT = 24;
const OVERSCAN = 8;
/** At most this many labelled ticks on the axis. */
const MAX_TICKS = 6;
/** Tick spacings, in ms: the first that keeps the axis within MAX_TICKS. */
const TICK_STEPS = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

export function createNetworkPanel(opts: {
  sessionId: string; first: number; total: number; onSeek(offset: number): void;
  /** One read of the log shared with the activity feed (one 'technical' audit entry, not two). */
  load?: () => Promise<ApiNetworkLog>;
  /** Gives the dock the room a waterfall wants (the player sizes the dock; the replay scales to what is left). */
  widen?: () => void;
}): NetworkPanel {
  const status = h('p', { class: 'network-status', role: 'status' }, 'Loading the network log…');
  const filters = createFilterBar(() => applyFilters());
  const summary = h('p', { class: 'network-summary', 'aria-live': 'polite' });
  const axis = h('div', { class: 'network-axis', 'aria-hidden': 'true' });
  const head = h('div', { class: 'network-row network-head', role: 'row', 'aria-rowindex': 1 },
    ...['Name', 'Status', 'Type', 'Size', 'Time'].map((t, i) => h('span', { role: 'columnheader', class: `nc nc-${i}` }, t)),
    h('span', { role: 'columnheader', class: 'nc nc-track' }, h('span', { class: 'visually-hidden' }, 'Waterfall'), axis));
  const body = h('div', { class: 'network-body', role: 'rowgroup' });
  const overlay = h('div', { class: 'network-overlay', 'aria-hidden': 'true' });
  const playhead = h('div', { class: 'network-playhead' });
  overlay.append(playhead);
  body.append(overlay);
  const grid = h('div', { class: 'network-grid', role: 'grid', tabindex: 0, 'aria-label': 'Requests, in time order (Enter shows one)', 'aria-readonly': 'true' },
    h('div', { role: 'rowgroup', class: 'network-headgroup' }, head), body);
  const detailsBody = h('div', { class: 'network-details-body' });
  const details = h('section', { class: 'network-details', 'aria-label': 'Request details', hidden: true },
    h('div', { class: 'network-details-head' }, h('h2', {}, 'Request details'),
      h('button', { type: 'button', class: 'dock-collapse', 'aria-label': 'Close the request details', onclick: () => closeDetails() }, '×')),
    detailsBody);
  const widen = opts.widen
    ? h('button', { type: 'button', class: 'button small subtle network-widen', title: 'Widen the side panel for the waterfall (the replay gets smaller)', onclick: opts.widen }, 'Widen')
    : null;
  const content = h('div', { class: 'network-content', hidden: true }, filters.el, h('div', { class: 'network-summary-bar' }, summary, widen), grid, details);
  const panel = h('section', { class: 'dock-panel network-panel', 'aria-label': 'Network waterfall', hidden: true }, status, content);
  panel.id = 'network-panel';

  let all: WaterfallRow[] = [];
  let shown: WaterfallRow[] = [];
  /** The axis: offsets from axisStart to axisEnd span the track. */
  let axisStart = 0;
  let axisEnd = Math.max(1, opts.total);
  let now = 0;
  let active = -1; // index into `shown`
  let selected: WaterfallRow | undefined;
  const rendered = new Map<number, HTMLElement>(); // shown-index → row element
  let loading: Promise<void> | undefined;

  const frac = (offset: number): number => (offset - axisStart) / (axisEnd - axisStart);
  const pct = (x: number): string => `${(Math.min(1, Math.max(0, x)) * 100).toFixed(3)}%`;

  const rowElement = (row: WaterfallRow, i: number): HTMLElement => {
    const left = frac(row.start);
    const width = Math.max(0, frac(row.end) - left);
    const wait = row.capture && row.end > row.start ? Math.min(1, row.capture.timing.headersMs / (row.end - row.start)) : 0;
    const bar = h('span', { class: 'network-bar', title: barTitle(row) });
    bar.style.left = pct(left);
    bar.style.width = pct(width);
    // Waiting for headers then download: one bar, two shades (a gradient stop at the headers' share).
    bar.style.setProperty('--wait', pct(wait));
    const el = h('div', {
      class: `network-row ${row.kind}${row.error ? ' error' : ''}`, role: 'row', id: `network-row-${row.index}`,
      'aria-rowindex': i + 2, 'aria-selected': String(row === selected), 'data-kind': row.kind, 'data-type': row.type,
      'data-start': String(row.start), onclick: () => choose(i),
    },
    h('span', { role: 'gridcell', class: 'nc nc-0', title: row.url }, h('span', { class: 'network-method' }, row.method), ' ', shortUrl(row.url)),
    h('span', { role: 'gridcell', class: 'nc nc-1' }, row.status),
    h('span', { role: 'gridcell', class: 'nc nc-2', title: row.mime }, TYPE_TEXT[row.type]),
    h('span', { role: 'gridcell', class: 'nc nc-3' }, sizeText(row)),
    h('span', { role: 'gridcell', class: 'nc nc-4' }, durationText(row.end - row.start)),
    h('span', { role: 'gridcell', class: 'nc nc-track' }, bar));
    el.style.top = `${i * ROW_HEIGHT}px`;
    return el;
  };

  /** Only the rows in view (and a margin) exist; the rest are the body's height. */
  const render = (): void => {
    const from = Math.max(0, Math.floor(grid.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const to = Math.min(shown.length, Math.ceil((grid.scrollTop + grid.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    for (const [i, el] of rendered) {
      if (i < from || i >= to) {
        el.remove();
        rendered.delete(i);
      }
    }
    for (let i = from; i < to; i++) {
      if (rendered.has(i)) continue;
      const el = rowElement(shown[i]!, i);
      rendered.set(i, el);
      body.append(el);
    }
    paintRows();
  };

  const paintRows = (): void => {
    for (const [i, el] of rendered) {
      const row = shown[i]!;
      el.classList.toggle('future', row.start > now);
      el.classList.toggle('active', i === active);
      el.setAttribute('aria-selected', String(row === selected));
    }
  };

  const setTime = (offset: number): void => {
    now = offset;
    playhead.style.left = pct(frac(offset));
    paintRows();
  };

  const applyFilters = (): void => {
    const activeRow = shown[active];
    shown = all.filter((r) => matches(r, filters.state));
    active = activeRow ? shown.indexOf(activeRow) : -1;
    body.style.height = `${shown.length * ROW_HEIGHT}px`;
    grid.setAttribute('aria-rowcount', String(shown.length + 1));
    if (active < 0) grid.removeAttribute('aria-activedescendant');
    const bytes = shown.reduce((sum, r) => sum + (r.kind === 'http' ? r.size ?? 0 : 0), 0);
    summary.textContent = `${shown.length} of ${all.length} requests · ${formatBytes(bytes)} stored`;
    for (const el of rendered.values()) el.remove();
    rendered.clear();
    render();
  };

  const focusRow = (i: number): void => {
    if (!shown.length) return;
    active = Math.max(0, Math.min(shown.length - 1, i));
    const top = active * ROW_HEIGHT;
    const headHeight = head.getBoundingClientRect().height;
    if (top < grid.scrollTop) grid.scrollTop = top;
    else if (top + ROW_HEIGHT > grid.scrollTop + grid.clientHeight - headHeight) grid.scrollTop = top + ROW_HEIGHT - grid.clientHeight + headHeight;
    render();
    grid.setAttribute('aria-activedescendant', `network-row-${shown[active]!.index}`);
  };

  const choose = (i: number): void => {
    const row = shown[i];
    if (!row) return;
    selected = row;
    focusRow(i);
    clear(detailsBody);
    detailsBody.append(...detailsContent(row, opts.first, opts.onSeek));
    details.hidden = false;
    opts.onSeek(Math.max(0, row.start));
  };

  const closeDetails = (): void => {
    selected = undefined;
    details.hidden = true;
    paintRows();
    grid.focus();
  };

  grid.addEventListener('scroll', () => render(), { passive: true });
  // The dock resized or the details opened: a taller grid needs more rows in view.
  new ResizeObserver(() => render()).observe(grid);
  grid.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const page = Math.max(1, Math.floor(grid.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: Math.max(0, active - 1), PageDown: active + page, PageUp: active - page, Home: 0, End: shown.length - 1 };
    if (ev.key in moves) focusRow(moves[ev.key]!);
    else if ((ev.key === 'Enter' || ev.key === ' ') && active >= 0) choose(active);
    else if (ev.key === 'Escape' && !details.hidden) closeDetails();
    else return;
    ev.preventDefault();
  });
  grid.addEventListener('focus', () => {
    if (active < 0 && shown.length) focusRow(0);
  });

  const load = async (): Promise<void> => {
    try {
      const log = await (opts.load ?? (() => getNetworkLog(opts.sessionId)))();
      all = waterfallRows(log, opts.first);
      // Reduce, not spread: tens of thousands of arguments overflow the stack.
      axisStart = all.reduce((min, r) => Math.min(min, r.start), 0);
      axisEnd = Math.max(all.reduce((max, r) => Math.max(max, r.end), opts.total), axisStart + 1);
      axis.append(...axisTicks(axisStart, axisEnd).map((at, i) => {
        // Every other tick is minor: a narrow dock shows only the major ones.
        const tick = h('span', { class: `network-tick${i % 2 ? ' minor' : ''}` }, tickLabel(at));
        tick.style.left = pct(frac(at));
        return tick;
      }));
      filters.setHosts([...new Set(all.map((r) => r.host))].sort());
      status.hidden = all.length > 0;
      status.textContent = all.length ? '' : 'No requests were recorded in this session.';
      content.hidden = all.length === 0;
      toggle.textContent = `Network (${all.length})`;
      applyFilters();
      setTime(now);
    } catch (err) {
      status.classList.add('error');
      status.textContent = `Could not load the network log: ${(err as Error).message}`;
    }
  };

  const toggle = h('button', { class: 'button small subtle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'network-panel', onclick: () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) loading ??= load();
    // Shown again after being hidden: the rows in view were measured against a zero-height grid.
    else return;
    requestAnimationFrame(() => render());
  } }, 'Network');
  toggle.id = 'network-toggle';
  return { toggle, panel, setTime };
}

/** Round times (0:00, 0:02, 0:04…) across the axis, so labels read as a scale. */
export function axisTicks(from: number, to: number): number[] {
  const span = to - from;
  const step = TICK_STEPS.find((s) => span / s <= MAX_TICKS) ?? Math.ceil(span / MAX_TICKS / 3_600_000) * 3_600_000;
  const ticks: number[] = [];
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) ticks.push(at);
  return ticks;
}

/** Requests can start before the first event (the page's own document): those ticks read negative. */
function tickLabel(at: number): string {
  if (at < 0) return `−${tickLabel(-at)}`;
  return at % 1_000 ? `${(at / 1_000).toFixed(1)} s` : formatOffset(at);
}

function sizeText(row: WaterfallRow): string {
  if (row.size === undefined) return '';
  return `${formatBytes(row.size)}${row.capture?.body?.truncated ? ' (cut)' : ''}`;
}

function durationText(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function barTitle(row: WaterfallRow): string {
  const t = row.capture?.timing;
  return t ? `Waiting ${t.headersMs} ms, download ${Math.max(0, t.totalMs - t.headersMs)} ms` : `First to last message: ${durationText(row.end - row.start)}`;
}
