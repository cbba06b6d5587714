/**
 * URLs as hits show them: scheme, host and path, never the query string or fragment (they carry account numbers,
 * tokens, search terms: personal data the index must not spread).
 */
import { MAX_PATH, MAX_URL } from './limits';
import { cut } from '../../../recorder/rrweb-wire';

export interface UrlParts {
  /** `https://host:port/path`, no query, no fragment. */
  display: string;
  host: string;
  path: string;
  scheme: string;
}

export function urlParts(raw: unknown): UrlParts | undefined {
  if (typeof raw !== 'string' || !raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw.length > MAX_URL ? raw.slice(0, MAX_URL) : raw);
  } catch {
    return undefined;
  }
  if (!url.host) return undefined; // about:blank, data:, blob: carry no place worth a hit
  const path = cut(url.pathname || '/', MAX_PATH);
  const scheme = url.protocol.replace(/:$/, '');
  return { display: `${scheme}://${url.host}${path}`, host: url.host, path, scheme };
}
