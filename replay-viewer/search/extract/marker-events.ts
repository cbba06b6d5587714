/**
 * The recorder's custom markers (recorder/markers.ts: the site's performance.mark entries and dataLayer events),
 * read from a stored custom event. Funnel steps (analytics/index/markers.ts), search (`marker:<name>` hits) and the
 * player's activity feed read them here, so all see the same name. Hostile input: the name is cleaned and cut again; a mark's own moment
 * (`payload.time`, from before the recorder ran) is taken only when plausible, as for early errors.
 */
import type { CUSTOM_TAGS } from '../../../recorder/protocol';
import type { Hit } from '../types';
import { clean, cut, EventType, isObject, num, str } from '../../../recorder/rrweb-wire';

// Typed against the protocol (a renamed tag fails the typecheck) without importing a value.
export const MARKER_TAG: typeof CUSTOM_TAGS.marker = 'verbatim:marker';
/** The recorder cuts names at 100 characters; a forged upload gets the same bound. */
export const MAX_MARKER_NAME = 100;
const EARLY_WINDOW_MS = 10 * 60_000;

/** `at`: its moment (a mark's own when plausible); `recordedAt`: the event's timestamp. */
export interface Marker { name: string; source: 'mark' | 'dataLayer'; at: number; recordedAt: number }

/** A custom event's data as a marker; `at` is the event's timestamp. */
export function readMarker(data: unknown, at: number): Marker | undefined {
  if (!isObject(data) || data.tag !== MARKER_TAG || !isObject(data.payload)) return undefined;
  const name = clean((str(data.payload.name) ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ''), MAX_MARKER_NAME);
  if (!name) return undefined;
  const time = num(data.payload.time);
  const moment = time !== undefined && time <= at && at - time <= EARLY_WINDOW_MS ? time : at;
  return { name, source: data.payload.source === 'mark' ? 'mark' : 'dataLayer', at: moment, recordedAt: at };
}

/** A marker as a search hit (`marker:purchase`): the name is the text, the source the field. */
export function markerHit(data: unknown, at: number, pageId: string | undefined): Hit | undefined {
  const m = readMarker(data, at);
  return m && { kind: 'marker', at: m.at, ...(pageId ? { pageId } : {}), text: m.name, field: m.source };
}

/** Per page, what a batch holds for the markers table: the page, its earliest event's moment and its markers. */
export function batchMarkers(batch: unknown): { pageId: string; first: number | undefined; markers: Marker[] } | undefined {
  if (!isObject(batch) || !isObject(batch.page) || !Array.isArray(batch.events)) return undefined;
  const pageId = cut(str(batch.page.id) ?? '', 200);
  if (!pageId) return undefined;
  let first: number | undefined;
  const markers: Marker[] = [];
  for (const e of batch.events as unknown[]) {
    if (!isObject(e)) continue;
    const ts = num(e.timestamp);
    if (ts === undefined) continue;
    if (first === undefined || ts < first) first = ts;
    if (e.type !== EventType.Custom) continue;
    const m = readMarker(e.data, ts);
    if (m) markers.push(m);
  }
  return { pageId, first, markers };
}
