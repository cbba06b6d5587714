/**
 * Cross-site request checks. State-changing requests must come from the viewer's own
 * origin (every mode, sign-in included: login CSRF) and carry the CSRF token of the
 * caller's session, or in open mode the viewer's own token (GET /api/me gives either).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CSRF_HEADER = 'x-verbatim-csrf';

/**
 * Browsers say where a request comes from in Sec-Fetch-Site (sent whatever the referrer
 * policy; the viewer's no-referrer policy turns Origin into "null"). Without it: no
 * Origin (not a browser) or our own; "null" and foreign origins are refused.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The request's CSRF header equals `expected` (constant time). */
export function csrfMatches(req: IncomingMessage, expected: string): boolean {
  const presented = req.headers[CSRF_HEADER];
  if (typeof presented !== 'string' || !presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
