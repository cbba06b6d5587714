/**
 * HTTP exchanges as hits: method, host, path (never the query string, in no field and not in the text), status,
 * and how long the response took to its last byte. A response cut off or not decodable says why.
 * Verbatim's own endpoints (/__verbatim/…) are not the customer's requests.
 */
import type { CapturedResource } from '../../../store/records';
import type { RESERVED_PREFIX } from '../../../recorder/protocol';
import type { Hit } from '../types';
import { urlParts } from './url-parts';
import { clean, isObject, num, str } from '../../../recorder/rrweb-wire';

const RESERVED: typeof RESERVED_PREFIX = '/__verbatim/';
const METHOD = /^[A-Z]{1,16}$/;

export function requestHit(capture: CapturedResource): Hit | undefined {
  if (!isObject(capture)) return undefined;
  const parts = urlParts(capture.url);
  const at = num(capture.startedAt);
  if (!parts || at === undefined || parts.path.startsWith(RESERVED)) return undefined;
  const upper = (str(capture.method) ?? 'GET').toUpperCase();
  const method = METHOD.test(upper) ? upper : 'OTHER';
  const status = num(capture.status);
  const totalMs = isObject(capture.timing) ? num(capture.timing.totalMs) : undefined;
  const durationMs = totalMs !== undefined && totalMs >= 0 ? Math.round(totalMs) : undefined;
  const statusText = clean(str(capture.statusText) ?? '', 100);
  const reason = isObject(capture.incomplete) ? clean(str(capture.incomplete.reason) ?? '', 40) : '';
  const field = `${method} ${parts.host}${parts.path}`;
  const text = [field, status, statusText, reason].filter((p) => p !== undefined && p !== '').join(' ');
  return {
    kind: 'request', at, text, field, host: parts.host, path: parts.path, method,
    ...(status !== undefined ? { status } : {}), ...(durationMs !== undefined ? { durationMs } : {}),
  };
}
