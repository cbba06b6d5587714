/**
 * The archive route: `/archive/<sessionId>/<ts>/<absolute-original-url>`.
 * The original URL is appended verbatim (not encoded) so that the browser sends
 * its query string as ours and so that a relative URL left unrewritten inside an
 * archived document still resolves to another archive URL.
 */

export const ARCHIVE_PREFIX = '/archive/';

/** Session ids are opaque tokens; anything outside this alphabet is rejected as malformed. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

const ALREADY_ARCHIVED = /^\/archive\/[A-Za-z0-9_-]{1,128}\/\d{1,15}\/https?:\/\//i;

/** Schemes that never reach the network (or must never be touched): left exactly as recorded. */
const LEAVE_ALONE = /^\s*(data|blob|javascript|about|mailto|tel|sms|chrome|chrome-extension|moz-extension|file):/i;

/**
 * Maps a URL as it appears in a recorded page or stylesheet to its archive URL.
 * Returns undefined when the URL must be left alone (empty, pure #fragment,
 * non-http scheme, already archived, or relative with no usable base).
 */
export function toArchiveUrl(raw: string, base: string | undefined, sessionId: string, ts: number): string | undefined {
  const value = raw.trim();
  if (!value || value.startsWith('#') || LEAVE_ALONE.test(value)) return undefined;
  // Already archived (a site's own /archive/... paths do not have this shape).
  if (ALREADY_ARCHIVED.test(value)) return undefined;
  let url: URL;
  try {
    url = base ? new URL(value, base) : new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const fragment = url.hash;
  url.hash = '';
  return `${ARCHIVE_PREFIX}${sessionId}/${Math.max(0, Math.floor(ts))}/${url.href}${fragment}`;
}

export interface ArchiveTarget {
  sessionId: string;
  ts: number;
  url: string;
}

/**
 * Parses a request target (`req.url`, path plus query) of the archive route.
 * Returns undefined for anything malformed.
 */
export function parseArchiveTarget(target: string): ArchiveTarget | undefined {
  if (!target.startsWith(ARCHIVE_PREFIX)) return undefined;
  const rest = target.slice(ARCHIVE_PREFIX.length);
  const m = /^([^/]+)\/(\d{1,15})\/(.+)$/s.exec(rest);
  if (!m) return undefined;
  const [, sessionId, tsText, original] = m;
  if (!isValidSessionId(sessionId!)) return undefined;
  // Some intermediaries collapse `//`; restore it so `https:/host` still works.
  const repaired = original!.replace(/^(https?):\/+/i, '$1://');
  if (!/^https?:\/\//i.test(repaired)) return undefined;
  let url: URL;
  try {
    url = new URL(repaired);
  } catch {
    return undefined;
  }
  url.hash = '';
  return { sessionId: sessionId!, ts: Number(tsText), url: url.href };
}
