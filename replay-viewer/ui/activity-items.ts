/**
 * What the activity feed lists, derived from one tab's rrweb events (clicks with what the element says, inputs,
 * errors, the site's own analytics markers) plus the server's answers (page visits and struggle signals from /signals, requests and WebSocket messages
 * from the network log). Elements are read with search's node map (search/extract/): the same reading of a click or
 * a field as search and struggle analytics. Pure: no DOM.
 */
import { CUSTOM_TAGS } from '../../recorder/protocol';
import type { RecordedEvent } from '../../store/records';
import { readMarker } from '../search/extract/marker-events';
import { WEIGHTS } from '../analytics/struggle/score';
import type { Signal, DwellTime } from '../analytics/struggle/signal';
import type { ApiNetworkLog } from '../replay/network-log';
import { applyMutation, clickTarget, clickText, fieldName, NodeMap } from '../search/extract/index';
import { isMasked, isObject, type Json } from '../../recorder/rrweb-wire';
import { shortUrl } from './format';
import { EventType, MouseInteraction, Source } from '../../recorder/rrweb-wire';

export const ACTIVITY_KINDS = ['page', 'route', 'click', 'input', 'error', 'marker', 'signal', 'note', 'request', 'websocket'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** masked: the recorder masked what was typed; value: shown as typed; none: focused and left without typing. */
export type InputState = 'masked' | 'value' | 'none';
export type Severity = 'high' | 'medium' | 'low';

export interface ActivityItem {
  kind: ActivityKind;
  /** ms after the replay's first event. */
  offset: number;
  label: string;
  detail?: string;
  input?: InputState;
  severity?: Severity;
}

const FIELD_TAGS = new Set(['input', 'textarea', 'select']);
const MAX_TEXT = 120;

export const SIGNAL_TEXT: Record<string, string> = {
  rage: 'Rage click', dead: 'Dead click', error: 'Error click', thrash: 'Thrashed cursor', quickback: 'Quick back',
  scroll: 'Excessive scrolling', abandon: 'Form abandoned', reentry: 'Field re-entered', hesitation: 'Hesitation',
  validation: 'Validation error', slow: 'Slow request', failed: 'Failed request', 'dwell-long': 'Long dwell', 'dwell-short': 'Short dwell',
};

/** A signal's weight (analytics/struggle/score.ts) as a severity: what the timeline colours. */
export function severityOf(name: string): Severity {
  const points = WEIGHTS[name as keyof typeof WEIGHTS]?.points ?? 0;
  return points >= 25 ? 'high' : points >= 10 ? 'medium' : 'low';
}

/** Clicks, inputs, errors and markers of one tab's events. */
export function eventItems(events: readonly RecordedEvent[], first: number): ActivityItem[] {
  const map = new NodeMap();
  const out: ActivityItem[] = [];
  // The field being typed in (consecutive inputs on one field are one item) and fields focused without input yet.
  let typing: { id: number; item: ActivityItem } | undefined;
  const focused = new Map<number, number>();
  for (const e of events) {
    const offset = e.timestamp - first;
    const data = isObject(e.data) ? e.data : undefined;
    if (!data) continue;
    map.resetWork();
    if (e.type === EventType.FullSnapshot) {
      map.clear();
      map.addTree(data.node, 0);
      typing = undefined;
      focused.clear();
    } else if (e.type === EventType.Custom) {
      const tag = data.tag;
      if (tag === CUSTOM_TAGS.consoleError || tag === CUSTOM_TAGS.uncaughtError) {
        const payload = isObject(data.payload) ? data.payload : {};
        out.push({ kind: 'error', offset, label: tag === CUSTOM_TAGS.uncaughtError ? 'Uncaught error' : 'console.error', detail: text(payload.message) });
      } else if (tag === CUSTOM_TAGS.marker) {
        // Read as funnels read it (search/extract/marker-events.ts): the same name, at a mark's own moment.
        const m = readMarker(data, e.timestamp);
        if (m) out.push({ kind: 'marker', offset: m.at - first, label: m.name, detail: m.source === 'mark' ? 'performance.mark' : 'dataLayer event' });
      }
    } else if (e.type === EventType.IncrementalSnapshot) {
      if (data.source === Source.Mutation) applyMutation(map, data as Json);
      else if (data.source === Source.MouseInteraction) {
        const node = map.get(data.id);
        if (data.type === MouseInteraction.Click && node) {
          const target = clickTarget(map, node);
          typing = undefined;
          out.push({ kind: 'click', offset, label: target ? clickText(map, target) || `<${target.tag ?? 'element'}>` : 'Click on the page' });
        } else if (data.type === MouseInteraction.Focus && node && FIELD_TAGS.has(node.tag ?? '')) {
          focused.set(node.id, offset);
        } else if (data.type === MouseInteraction.Blur && node && focused.has(node.id)) {
          out.push({ kind: 'input', offset: focused.get(node.id)!, label: fieldName(map, node) ?? `<${node.tag}>`, detail: 'no input', input: 'none' });
          focused.delete(node.id);
        }
      } else if (data.source === Source.Input && data.userTriggered !== false) {
        const node = map.get(data.id);
        if (!node) continue;
        focused.delete(node.id);
        const value = typeof data.isChecked === 'boolean' && ['checkbox', 'radio'].includes(node.attrs?.type ?? '')
          ? (data.isChecked ? 'checked' : 'unchecked') : typeof data.text === 'string' ? data.text : '';
        const masked = isMasked(value);
        const detail = masked ? 'masked' : value ? `“${clip(value)}”` : 'emptied';
        if (typing?.id === node.id) {
          typing.item.detail = detail;
          typing.item.input = masked ? 'masked' : 'value';
        } else {
          const item: ActivityItem = { kind: 'input', offset, label: fieldName(map, node) ?? `<${node.tag}>`, detail, input: masked ? 'masked' : 'value' };
          typing = { id: node.id, item };
          out.push(item);
        }
      }
    }
  }
  return out;
}

/** Page loads (the player's page list), route changes and struggle signals of the pages this tab showed. */
export function serverItems(opts: {
  pages: readonly { offset: number; url: string; title?: string }[];
  visits: readonly DwellTime[];
  signals: readonly Signal[];
  pageIds: ReadonlySet<string>;
  first: number;
}): ActivityItem[] {
  const out: ActivityItem[] = opts.pages.map((p) => ({ kind: 'page', offset: p.offset, label: p.title || shortUrl(p.url), detail: p.url }));
  let previous: DwellTime | undefined;
  for (const v of opts.visits) {
    // The same document at a new URL: a single-page app's route change.
    if (previous?.pageId === v.pageId && opts.pageIds.has(v.pageId)) out.push({ kind: 'route', offset: v.from - opts.first, label: shortUrl(v.url), detail: v.url });
    previous = v;
  }
  for (const s of opts.signals) {
    if (s.pageId && !opts.pageIds.has(s.pageId)) continue;
    const on = s.element?.label || s.element?.selector || s.url;
    out.push({ kind: 'signal', offset: s.at - opts.first, label: SIGNAL_TEXT[s.name] ?? s.name, detail: on ? clip(on) : undefined, severity: severityOf(s.name) });
  }
  return out;
}

/** Requests and WebSocket messages of the network log (roles with technical views). */
export function networkItems(log: ApiNetworkLog, first: number): ActivityItem[] {
  const out: ActivityItem[] = [];
  for (const c of log.captures) {
    out.push({ kind: 'request', offset: c.startedAt - first, label: `${c.method} ${shortUrl(c.url)}`, detail: c.status ? String(c.status) : 'no answer' });
  }
  for (const m of log.webSockets) {
    out.push({ kind: 'websocket', offset: m.at - first, label: `${m.direction === 'sent' ? '↑ sent' : '↓ received'} ${m.kind}`, detail: m.preview !== undefined ? clip(m.preview) : `${m.size} B` });
  }
  return out;
}

export function sortItems(items: ActivityItem[], total: number): ActivityItem[] {
  for (const i of items) i.offset = Math.min(total, Math.max(0, Math.round(i.offset)));
  return items.sort((a, b) => a.offset - b.offset);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? clip(value) : undefined;
}

function clip(value: string): string {
  const one = value.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
}
