/**
 * What field analytics and click maps keep per page view (analytics/fields/collector.ts makes them; the index's
 * analytics tables store them). Never a typed value nor shown text: URL patterns (url-pattern.ts), stable
 * selectors, field labels the site wrote, numbers.
 */

/** One field of one form in one page view. */
export interface FieldRow {
  sessionId: string;
  pageId: string;
  /** First focus or input in the field. */
  at: number;
  host: string;
  /** The page's path pattern (url-pattern.ts) where the field was first touched. */
  url: string;
  /** The form's stable selector; '' for fields outside any form. */
  form: string;
  field: string;
  label: string;
  /** First touch to last input; undefined when nothing was typed or chosen. */
  fillMs?: number;
  hesitations: number;
  /** Re-entries: the field filled, left, then changed again. */
  corrections: number;
  /** Validation errors shown on this field after a submit. */
  errors: number;
  /** Whether the form was sent (a button in it pressed after the last fill, or a write request). */
  submitted: boolean;
  /** The last field filled before the page was left without sending the form. */
  dropOff: boolean;
  /** When the page was left (drop-off rows only): the replay opens there. */
  leftAt?: number;
}

/** One click gesture (the second click of a double-click is not one). */
export interface ClickRow {
  sessionId: string;
  pageId: string;
  at: number;
  host: string;
  /** Path pattern. */
  url: string;
  /** The page's site version (site-version.ts); '' unknown. */
  version: string;
  selector: string;
  /** Where in the element's box the click landed, 0..1 from its left/top; undefined when the recorder sent no box. */
  fx?: number;
  fy?: number;
  dead: boolean;
  rage: boolean;
}

/** How far down one page view was scrolled. */
export interface ScrollRow {
  sessionId: string;
  pageId: string;
  at: number;
  host: string;
  url: string;
  version: string;
  /** Deepest point shown, % of the document height. */
  maxPct: number;
}

export interface FieldAnalyticsRows {
  fields: FieldRow[];
  clicks: ClickRow[];
  scrolls: ScrollRow[];
}
