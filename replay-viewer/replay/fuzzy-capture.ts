/**
 * Fallback for archive misses caused by cache-busting query parameters: the
 * recorded DOM asks for `app.css?_=1712000000123` while the capture was made for
 * `app.css?_=1712000000042` (or for plain `app.css`). Only consulted after an
 * exact lookup missed.
 */
import type { CapturedResource } from '../../store/records';
import type { VerbatimStore } from '../../store/store';

/** Parameters that only ever defeat caches. */
const BUSTER_NAMES = new Set(['_', 'cb', 'cachebust', 'cachebuster', 'nocache', 'v', 'ver', 't', 'ts', 'rnd', 'rand', 'random']);
/** Epoch seconds/ms and similar long numbers, or Math.random() output. */
const BUSTER_VALUE = /^(\d{9,17}|0?\.\d{6,})$/;

/** The URL without cache-busting parameters (also without the fragment), or undefined if it is not a URL. */
export function stripCacheBusters(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  parsed.hash = '';
  if (!parsed.search) return parsed.href;
  const kept = parsed.search
    .slice(1)
    .split('&')
    .filter((pair) => {
      if (!pair) return false;
      const eq = pair.indexOf('=');
      const name = decodeSafe(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? '' : decodeSafe(pair.slice(eq + 1));
      if (BUSTER_NAMES.has(name) || name.startsWith('utm_')) return false;
      if (BUSTER_VALUE.test(value) || (eq < 0 && BUSTER_VALUE.test(name))) return false;
      return true;
    });
  parsed.search = kept.length ? `?${kept.join('&')}` : '';
  return parsed.href;
}

export type FuzzyMatch = 'cleaned' | 'session-fuzzy';

export interface FuzzyQuery {
  url: string;
  at: number;
  sessionId: string;
}

/** How long a session's capture list is reused between misses (a replay misses in bursts). */
const LIST_TTL_MS = 15_000;
const LIST_CACHE_SIZE = 8;

export class FuzzyCaptureFinder {
  private lists = new Map<string, { at: number; captures: Promise<CapturedResource[]> }>();

  constructor(private readonly store: VerbatimStore) {}

  async find(query: FuzzyQuery): Promise<{ capture: CapturedResource; match: FuzzyMatch } | undefined> {
    const cleaned = stripCacheBusters(query.url);
    if (!cleaned) return undefined;
    if (cleaned !== query.url) {
      const capture = await this.store.findCapture({ url: cleaned, at: query.at, sessionId: query.sessionId });
      if (capture) return { capture, match: 'cleaned' };
    }
    // Same resource captured in this session under another cache-buster value.
    const candidates = (await this.sessionCaptures(query.sessionId))
      .filter((c) => c.url !== query.url && stripCacheBusters(c.url) === cleaned);
    const capture = nearest(candidates, query.at);
    return capture ? { capture, match: 'session-fuzzy' } : undefined;
  }

  /**
   * A capture of the same URL that carries a body, for when the nearest one is a
   * bare 304 (a revalidation recorded without the body it confirmed).
   */
  async findWithBody(query: FuzzyQuery): Promise<CapturedResource | undefined> {
    const usable = (c: CapturedResource): boolean => c.status !== 304 && c.body !== null && c.body.size > 0;
    const inSession = nearest((await this.sessionCaptures(query.sessionId)).filter((c) => c.url === query.url && usable(c)), query.at);
    if (inSession) return inSession;
    const latest = await this.store.latestCapture(query.url);
    return latest && usable(latest) ? latest : undefined;
  }

  private sessionCaptures(sessionId: string): Promise<CapturedResource[]> {
    const now = Date.now();
    const cached = this.lists.get(sessionId);
    if (cached && now - cached.at < LIST_TTL_MS) return cached.captures;
    const captures = this.store.listCaptures(sessionId).catch(() => []);
    this.lists.delete(sessionId);
    this.lists.set(sessionId, { at: now, captures });
    while (this.lists.size > LIST_CACHE_SIZE) this.lists.delete(this.lists.keys().next().value!);
    return captures;
  }
}

/** The capture nearest at or before `at`, else the earliest after it (the store's own rule). */
function nearest(captures: CapturedResource[], at: number): CapturedResource | undefined {
  let before: CapturedResource | undefined;
  let after: CapturedResource | undefined;
  for (const c of captures) {
    if (c.startedAt <= at) {
      if (!before || c.startedAt >= before.startedAt) before = c;
    } else if (!after || c.startedAt < after.startedAt) {
      after = c;
    }
  }
  return before ?? after;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
