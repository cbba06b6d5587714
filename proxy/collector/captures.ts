/** Checks a CapturedResource sent by a kiosk extension; throws PAYLOAD_INVALID with the first reason. */
import { VerbatimError } from '../../store/errors';
import type { CapturedResource } from '../../store/records';

export const DIGEST = /^[0-9a-f]{64}$/;
const CAPTURE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_HEADERS = 200;

export function validateCapture(value: unknown, sessionId: string, index: number): CapturedResource {
  const fail = (reason: string): never => {
    throw new VerbatimError('PAYLOAD_INVALID', `captures[${index}]: ${reason}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || !CAPTURE_ID.test(v.id)) fail('id must be 1-128 characters [A-Za-z0-9_-]');
  if (typeof v.url !== 'string' || v.url.length > 8192 || !/^https?:\/\//i.test(v.url)) fail('url must be an http(s) URL');
  const method = v.method ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Z]{1,16}$/.test(method)) fail('method must be an HTTP method');
  if (!Number.isInteger(v.status) || (v.status as number) < 100 || (v.status as number) > 599) fail('status must be 100-599');
  if (!Array.isArray(v.headers) || v.headers.length > MAX_HEADERS) fail(`headers must be an array of at most ${MAX_HEADERS} pairs`);
  const headers = (v.headers as unknown[]).map((h) => {
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string') fail('headers must be [name, value] string pairs');
    return [(h as string[])[0]!.toLowerCase(), (h as string[])[1]!] as [string, string];
  });
  if (v.destination !== undefined && (typeof v.destination !== 'string' || v.destination.length > 32)) fail('destination must be a short string');
  if (typeof v.startedAt !== 'number' || !Number.isFinite(v.startedAt) || v.startedAt < 0) fail('startedAt must be epoch ms');
  const timing = (v.timing ?? { headersMs: 0, totalMs: 0 }) as Record<string, unknown>;
  if (typeof timing.headersMs !== 'number' || typeof timing.totalMs !== 'number') fail('timing must be {headersMs, totalMs}');
  let body: CapturedResource['body'] = null;
  if (v.body !== null) {
    const b = v.body as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) fail('body must be null or an object');
    if (typeof b.digest !== 'string' || !DIGEST.test(b.digest)) fail('body.digest must be a lower-case hex SHA-256');
    if (!Number.isSafeInteger(b.size) || (b.size as number) < 0) fail('body.size must be a byte count');
    body = { digest: b.digest as string, size: b.size as number, encoding: typeof b.encoding === 'string' ? b.encoding : '', truncated: b.truncated === true };
  }
  return {
    id: v.id as string,
    sessionId,
    method: method as string,
    url: v.url as string,
    status: v.status as number,
    statusText: typeof v.statusText === 'string' ? v.statusText.slice(0, 256) : undefined,
    headers,
    destination: v.destination as string | undefined,
    startedAt: v.startedAt as number,
    timing: { headersMs: timing.headersMs as number, totalMs: timing.totalMs as number },
    body,
  };
}
