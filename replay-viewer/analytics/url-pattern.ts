/**
 * A page's URL reduced to a pattern shared by every customer's visit: scheme://host/path with each path segment that
 * names a record (numbers, UUIDs, long hex or mixed letter-and-digit tokens, anything with '@') replaced by `:id`;
 * query and fragment dropped. What analytics tables store as a page's name: it never holds an account number, an
 * IBAN or an e-mail address that sat in a path.
 */
import { urlParts } from '../search/extract/index';

const ID_SEGMENT = [
  /^\d+$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[0-9a-f]{8,}$/i,
  /^(?=.*\d)[A-Za-z0-9_.~-]{8,}$/,
  /@/,
];

export function urlPattern(raw: string | undefined): string | undefined {
  const parts = urlParts(raw);
  if (!parts) return undefined;
  const path = parts.path.split('/').map((seg) => (seg && ID_SEGMENT.some((re) => re.test(safeDecode(seg))) ? ':id' : seg)).join('/');
  return `${parts.scheme}://${parts.host}${path}`;
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}
