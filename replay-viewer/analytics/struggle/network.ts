/**
 * Captures as the struggle rules read them: when a request started and ended, whether it failed (a 5xx, a network
 * error, or a 4xx on fetch/XHR), whether it was slow, and whether its host belongs to the site or to a third party.
 * "The site" is the registrable domain (public-suffix aware, tldts) of the session's first page; an IP address or
 * a single-label host is its own domain.
 */
import { getDomain } from 'tldts';
import type { CapturedResource } from '../../../store/records';
import type { RESERVED_PREFIX } from '../../../recorder/protocol';
import { urlParts } from '../../search/extract/index';
import { isObject, num, str } from '../../../recorder/rrweb-wire';
import type { Signal } from './signal';
import type { Thresholds } from './thresholds';

const RESERVED: typeof RESERVED_PREFIX = '/__verbatim/';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Responses that stay open by design: never "slow". */
const STREAMING_DESTINATIONS = new Set(['video', 'audio', 'track']);

export interface CaptureNote {
  at: number;
  url: string;
  host: string;
  method: string;
  status: number;
  totalMs?: number;
  /** 'status 503', 'network error'; undefined when it did not fail. */
  failure?: string;
  slow: boolean;
  write: boolean;
}

export function captureNote(capture: CapturedResource, t: Thresholds): CaptureNote | undefined {
  if (!isObject(capture)) return undefined;
  const parts = urlParts(capture.url);
  const at = num(capture.startedAt);
  if (!parts || at === undefined || parts.path.startsWith(RESERVED)) return undefined;
  const method = (str(capture.method) ?? 'GET').toUpperCase().slice(0, 16);
  const status = num(capture.status);
  if (status === undefined) return undefined; // malformed: not evidence of anything
  const destination = str(capture.destination) ?? '';
  const reason = isObject(capture.incomplete) ? str(capture.incomplete.reason) : undefined;
  let failure: string | undefined;
  if (status === 0 || reason === 'upstream-aborted' || reason === 'upstream-timeout') failure = 'network error';
  else if (status >= 500) failure = `status ${status}`;
  else if (status >= 400 && destination === 'empty') failure = `status ${status}`; // fetch/XHR: the page's own call failed
  const total = isObject(capture.timing) ? num(capture.timing.totalMs) : undefined;
  const headers = Array.isArray(capture.headers) ? capture.headers : [];
  const streaming = STREAMING_DESTINATIONS.has(destination)
    || headers.some((h) => Array.isArray(h) && h[0] === 'content-type' && /^text\/event-stream/i.test(String(h[1])));
  const slow = total !== undefined && total >= t.slowRequestMs && !streaming && reason !== 'client-closed';
  return {
    at, url: parts.display, host: parts.host, method, status, ...(total !== undefined && total >= 0 ? { totalMs: Math.round(total) } : {}),
    ...(failure ? { failure } : {}), slow, write: WRITE_METHODS.has(method),
  };
}

/** Hosts already looked up (the public-suffix lookup runs each time a session is judged, i.e. after each record). */
const domains = new Map<string, string>();
const MAX_DOMAINS = 1_000;

function registrable(host: string): string {
  const known = domains.get(host);
  if (known !== undefined) return known;
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  const domain = getDomain(name) ?? name;
  if (domains.size >= MAX_DOMAINS) domains.clear(); // hostile sessions naming endless hosts
  domains.set(host, domain);
  return domain;
}

/** slow and failed signals; `pageAt` names the page open when a request started. */
export function networkSignals(
  notes: readonly CaptureNote[], siteHost: string | undefined, pageAt: (at: number) => { pageId: string },
): Signal[] {
  const site = siteHost ? registrable(siteHost) : undefined;
  const out: Signal[] = [];
  for (const n of notes) {
    if (!n.failure && !n.slow) continue;
    const thirdParty = site !== undefined && registrable(n.host) !== site;
    const base = { at: n.at, pageId: pageAt(n.at).pageId, url: n.url };
    const detail = { host: n.host, method: n.method, thirdParty };
    if (n.failure) out.push({ name: 'failed', ...base, detail: { ...detail, status: n.status, failure: n.failure } });
    if (n.slow) out.push({ name: 'slow', ...base, detail: { ...detail, status: n.status, durationMs: n.totalMs ?? 0 } });
  }
  return out;
}
