/**
 * A hit's full-text row, the same for every backend: its words as keyed hashes, in order (positions make phrases
 * work), and the extra tokens that stand in for prefix matching, which hashes cannot do: word prefixes, and character
 * prefixes of URL paths.
 */
import type { Hit } from './types';
import type { IndexKey } from './index-key';
import { pathPrefixes, splitUrl, wordPrefixes, words } from './tokens';

/** Column tags in the token hash (index-key.ts): one per indexed column and sub-use, so no token crosses columns. */
export const TAG = { word: 'w', field: 'f', wordPrefix: 'wp', pathWord: 'pw', pathPrefix: 'pp', urlPrefix: 'up' } as const;

export interface FtsRow {
  words: string;
  field: string;
  wprefix: string;
  loc: string;
}

export function ftsRow(key: IndexKey, hit: Hit): FtsRow {
  const ws = words(hit.text);
  const prefixes = new Set<string>();
  for (const w of ws) for (const p of wordPrefixes(w)) prefixes.add(p);
  const loc: string[] = [];
  const { host, path } = locationOf(hit);
  if (path !== undefined) {
    for (const w of words(path)) loc.push(key.token(TAG.pathWord, w));
    for (const p of pathPrefixes(path)) {
      loc.push(key.token(TAG.pathPrefix, p));
      if (host) loc.push(key.token(TAG.urlPrefix, `${host}${p}`));
    }
  }
  return {
    words: ws.map((w) => key.token(TAG.word, w)).join(' '),
    field: hit.field ? words(hit.field).map((w) => key.token(TAG.field, w)).join(' ') : '',
    wprefix: [...prefixes].map((p) => key.token(TAG.wordPrefix, p)).join(' '),
    loc: loc.join(' '),
  };
}

/** Host and path: the hit's own, else read from a URL hit's text. */
export function locationOf(hit: Hit): { host?: string; path?: string } {
  if (hit.host || hit.path) return { host: hit.host?.toLowerCase(), path: hit.path };
  if (hit.kind === 'url' || hit.kind === 'websocket') {
    try {
      const u = new URL(hit.kind === 'url' ? hit.text : hit.field ?? '');
      return { host: u.hostname.toLowerCase(), path: u.pathname };
    } catch {
      return hit.kind === 'url' ? splitUrl(hit.text) : {};
    }
  }
  return {};
}
