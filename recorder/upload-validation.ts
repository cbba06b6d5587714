/**
 * Server-side check of a recorder upload (used by every ingest point; never
 * bundled into the page). Returns a typed upload or throws PAYLOAD_INVALID with
 * the first reason found, so a client bug is diagnosable from the 400 alone.
 */
import { VerbatimError } from '../store/errors';
import type { RecordedEvent } from '../store/records';
import type { RecorderUpload } from './protocol';

const PAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_EVENTS = 50_000;

export function parseUpload(body: Buffer | string): RecorderUpload {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new VerbatimError('PAYLOAD_INVALID', 'body is not valid JSON');
  }
  return validateUpload(value);
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
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDimension(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100_000;
}
