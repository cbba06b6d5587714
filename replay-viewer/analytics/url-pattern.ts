/**
 * TEMPORARY twin of wip/funnels' analytics/index/url-pattern.ts (same signature), replaced by it when that branch is
 * merged: a page's URL as analytics keep it, host + path with record ids replaced by `:id`, no query.
 */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function isId(seg: string): boolean {
  if (UUID.test(seg)) return true;
  const digits = seg.replace(/\D/g, '').length;
  if (digits >= 3 || (digits > 0 && digits === seg.length)) return true;
  if (seg.length >= 16 && /^[A-Za-z0-9_-]+$/.test(seg) && /\d/.test(seg)) return true;
  if (/[*\u2022]/.test(seg) || /^x{4,}$/i.test(seg)) return true;
  return seg.includes('@');
}

export function pathPattern(path: string): string {
  let p: string;
  try {
    p = decodeURIComponent(path);
  } catch {
    p = path;
  }
  return `/${p.split('/').slice(1, 13).map((s) => (isId(s) ? ':id' : s.slice(0, 60))).join('/')}`;
}

export function urlPattern(raw: string): { host: string; pattern: string } | undefined {
  try {
    const u = new URL(raw);
    return u.host ? { host: u.host, pattern: pathPattern(u.pathname || '/') } : undefined;
  } catch {
    return undefined;
  }
}
