/**
 * Server-side check of a recorder upload (used by every ingest point; never
 * bundled into the page). Returns a typed upload or throws PAYLOAD_INVALID with
 * the first reason found, so a client bug is diagnosable from the 400 alone.
 */
import { EVENTS_MAX_DEPTH, parseBoundedJson } from '../store/bounded-json';
import { VerbatimError } from '../store/errors';
import type { PageContext, RecordedEvent, TrafficSource } from '../store/records';
import type { RecorderUpload } from './protocol';

const PAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_EVENTS = 50_000;

export function parseUpload(body: Buffer | string): RecorderUpload {
  // Bounded: the masker and the store walk events recursively.
  return validateUpload(parseBoundedJson(typeof body === 'string' ? body : body.toString('utf8'), EVENTS_MAX_DEPTH));
}

export function validateUpload(value: unknown): RecorderUpload {
  const fail = (reason: string): never => { throw new VerbatimError('PAYLOAD_INVALID', reason); };
  if (!isObject(value)) fail('body must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.token !== 'string' || !v.token) fail('token must be a non-empty string');
  if (!isObject(v.page)) fail('page must be an object');
  const page = v.page as Record<string, unknown>;
  if (typeof page.id !== 'string' || !PAGE_ID.test(page.id)) fail('page.id must be 1-64 characters [A-Za-z0-9_-]');
  if (typeof page.url !== 'string' || page.url.length > 8192 || !/^https?:\/\//i.test(page.url)) fail('page.url must be an http(s) URL');
  if (page.title !== undefined && (typeof page.title !== 'string' || page.title.length > 2048)) fail('page.title must be a string');
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) fail('seq must be a non-negative integer');
  if (v.viewport !== undefined) {
    const vp = v.viewport as Record<string, unknown>;
    if (!isObject(vp) || !isDimension(vp.width) || !isDimension(vp.height)) fail('viewport must be {width, height} in pixels');
  }
  if (!Array.isArray(v.events) || v.events.length === 0) fail('events must be a non-empty array');
  const events = v.events as unknown[];
  if (events.length > MAX_EVENTS) fail(`at most ${MAX_EVENTS} events per upload`);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Record<string, unknown>;
    if (!isObject(e) || !Number.isInteger(e.type) || typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) {
      fail(`events[${i}] must be an rrweb event with integer type and numeric timestamp`);
    }
  }
  return {
    token: v.token as string,
    page: { id: page.id as string, url: page.url as string, title: page.title as string | undefined },
    seq: v.seq as number,
    viewport: v.viewport as RecorderUpload['viewport'],
    events: events as RecordedEvent[],
    ...(v.context !== undefined ? { context: pageContext(v.context, fail) } : {}),
  };
}

/** Keeps the known context fields, bounded; a malformed field fails the upload like any other. */
function pageContext(value: unknown, fail: (reason: string) => never): PageContext {
  if (!isObject(value)) fail('context must be an object');
  const c = value as Record<string, unknown>;
  const out: PageContext = { url: '' };
  const str = (key: string, max = 2048): string | undefined => {
    if (c[key] === undefined) return undefined;
    if (typeof c[key] !== 'string' || (c[key] as string).length > max) fail(`context.${key} must be a string of at most ${max} characters`);
    return c[key] as string;
  };
  const size = (key: string) => {
    const s = c[key] as Record<string, unknown> | undefined;
    if (s === undefined) return undefined;
    if (!isObject(s) || !isDimension(s.width) || !isDimension(s.height)) fail(`context.${key} must be {width, height}`);
    return { width: s!.width as number, height: s!.height as number };
  };
  out.url = str('url', 8192) ?? fail('context.url must be a string');
  const optional: Partial<PageContext> = {
    referrer: str('referrer', 8192), userAgent: str('userAgent', 1024), language: str('language', 64), timeZone: str('timeZone', 64),
    viewport: size('viewport'), screen: size('screen'),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  if (c.devicePixelRatio !== undefined) {
    if (typeof c.devicePixelRatio !== 'number' || !(c.devicePixelRatio > 0 && c.devicePixelRatio <= 16)) fail('context.devicePixelRatio must be a number in (0, 16]');
    out.devicePixelRatio = c.devicePixelRatio as number;
  }
  if (c.languages !== undefined) {
    if (!Array.isArray(c.languages) || c.languages.length > 20 || c.languages.some((l) => typeof l !== 'string' || l.length > 64)) fail('context.languages must be up to 20 strings');
    out.languages = c.languages as string[];
  }
  if (c.source !== undefined) {
    const s = c.source as Record<string, unknown>;
    if (!isObject(s) || !['campaign', 'referral', 'internal', 'direct'].includes(s.kind as string)) fail('context.source.kind is invalid');
    const source: TrafficSource = { kind: s.kind as TrafficSource['kind'] };
    for (const k of ['referrerHost', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent'] as const) {
      if (s[k] === undefined) continue;
      if (typeof s[k] !== 'string' || (s[k] as string).length > 256) fail(`context.source.${k} must be a string of at most 256 characters`);
      source[k] = s[k] as string;
    }
    out.source = source;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDimension(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100_000;
}
