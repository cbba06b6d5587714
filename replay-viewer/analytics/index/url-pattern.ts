/**
 * A page's URL as analytics keep it: the path with every segment that names one thing (a number, an id, a uuid, a
 * token, a masked value) replaced by `:id`, no query, no fragment. `/accounts/123456/statements` and
 * `/accounts/987654/statements` are one page; no account number reaches the analytics tables. Search's url hits are
 * already scheme://host/path (the store's masked URL, query dropped): this reduces the path further.
 */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const MAX_SEGMENTS = 12;
const MAX_SEGMENT = 60;

/** Whether a path segment names one record rather than a kind of page. */
function isId(seg: string): boolean {
  if (UUID.test(seg)) return true;
  const digits = seg.replace(/\D/g, '').length;
  // Any run of digits long enough to number something (account, customer, order); a version like v2 stays.
  if (digits >= 3 || (digits > 0 && digits === seg.length)) return true;
  // Long hex or base64-ish tokens, and what masking left (asterisks, bullets, x-runs).
  if (seg.length >= 16 && /^[A-Za-z0-9_-]+$/.test(seg) && /\d/.test(seg)) return true;
  if (/[*\u2022]/.test(seg) || /^x{4,}$/i.test(seg)) return true;
  // An e-mail address or anything with @ in a path is personal.
  return seg.includes('@');
}

export function pathPattern(path: string): string {
  let p: string;
  try {
    p = decodeURIComponent(path);
  } catch {
    p = path;
  }
  const segs = p.split('/').slice(1, MAX_SEGMENTS + 1);
  // Control characters (a decoded %0A) would break the path separator of session_paths and any display.
  const out = segs.map((s) => (isId(s) ? ':id' : s.slice(0, MAX_SEGMENT).replace(/[\u0000-\u001f\u007f]/g, '?')));
  return `/${out.join('/')}`;
}

/** The analytics pattern of a full URL (`host` + path pattern), or undefined when it has no host. */
export function urlPattern(raw: string): { host: string; pattern: string } | undefined {
  try {
    const u = new URL(raw);
    return u.host ? { host: u.host, pattern: pathPattern(u.pathname || '/') } : undefined;
  } catch {
    return undefined;
  }
}
