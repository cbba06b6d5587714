/**
 * URL visits across a session's pages (tab documents and single-page-app route changes), in time order: the
 * material of quick back and of per-page dwell times.
 * - quickback: visits A (URL U), B (URL V ≠ U), C (URL U) in a row with C starting at most quickBackMs after B
 *   started. The signal is at C's start, on C's page (where the replay shows it), and names V (the page bounced
 *   off) as its url, with `backTo` U.
 * - dwell: each visit's length, from its first moment to the next URL of the same page, the page going away or its
 *   last recorded moment (a visit is as long as the recording shows it, never longer).
 */
import type { DwellTime, Signal } from './signal';
import type { Thresholds } from './thresholds';

export interface PageVisits {
  pageId: string;
  urls: readonly { at: number; url: string }[];
  /** The page's end: page-hidden, else its last event. */
  end: number;
}

export function visitsOf(pages: readonly PageVisits[]): DwellTime[] {
  const out: DwellTime[] = [];
  for (const p of pages) {
    p.urls.forEach((u, i) => {
      const to = Math.max(u.at, Math.min(p.urls[i + 1]?.at ?? p.end, p.end));
      out.push({ pageId: p.pageId, url: u.url, from: u.at, to, ms: to - u.at });
    });
  }
  return out.sort((a, b) => a.from - b.from || a.pageId.localeCompare(b.pageId));
}

export function quickBacks(visits: readonly DwellTime[], t: Thresholds): Signal[] {
  const out: Signal[] = [];
  for (let i = 2; i < visits.length; i++) {
    const a = visits[i - 2]!;
    const b = visits[i - 1]!;
    const c = visits[i]!;
    if (a.url !== c.url || b.url === a.url) continue;
    const awayMs = c.from - b.from;
    if (awayMs > t.quickBackMs) continue;
    out.push({ name: 'quickback', at: c.from, pageId: c.pageId, url: b.url, detail: { backTo: a.url, awayMs } });
  }
  return out;
}
