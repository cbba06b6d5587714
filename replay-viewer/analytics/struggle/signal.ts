/** What the struggle detector emits: one moment of struggle, where it happened and on what. */

export const SIGNAL_NAMES = [
  'rage', 'dead', 'error', 'thrash', 'quickback', 'scroll', 'abandon', 'reentry', 'hesitation', 'validation', 'slow',
  'failed', 'dwell-long', 'dwell-short',
] as const;

export type SignalName = (typeof SIGNAL_NAMES)[number];

export interface Signal {
  name: SignalName;
  /** Epoch ms of the moment (a rage click's first click, an abandoned page's end…). */
  at: number;
  /** The page (tab document) it happened on; a request's is the page open when it started ('' when none was). */
  pageId: string;
  /** scheme://host/path of the page, or of the request for slow/failed (never a query string). */
  url?: string;
  /** The element, when there is one: a stable selector (search's selector.ts) and what it says (never a typed value). */
  element?: { selector: string; label: string };
  detail?: Record<string, string | number | boolean>;
}

/** A page visit's length, for dwell-long/dwell-short against that URL's distribution across sessions. */
export interface DwellTime {
  pageId: string;
  url: string;
  /** When the URL was shown and when it stopped being (next URL, page gone, or the page's last event). */
  from: number;
  to: number;
  ms: number;
}
