/** What GET /api/analytics/fields and /api/analytics/clickmap answer. Dependency-free: shared with the UI. */

export interface Period { from?: number; to?: number }

export interface FormSummary { host: string; url: string; form: string; views: number; submitted: number }

export interface FieldSummary {
  field: string;
  label: string;
  /** Page views in which the field was touched. */
  touched: number;
  /** Median first-touch-to-last-input, over the views where something was entered; null when none. */
  medianFillMs: number | null;
  /** Shares of `touched`, 0..1. */
  hesitationRate: number;
  correctionRate: number;
  errorRate: number;
  corrections: number;
  /** Views that left the page without sending the form, this field the last one filled. */
  dropOffs: number;
  /** dropOffs over the form's views. */
  dropOffRate: number;
}

export interface FieldsReport {
  form: FormSummary;
  fields: FieldSummary[];
  /** The fields where customers left, most first, each with sessions that left there (the replay opens at `at`). */
  leaves: { field: string; label: string; count: number; sessions: { sessionId: string; at: number }[] }[];
}

export interface ClickMapPage { host: string; url: string; version: string; clicks: number; firstAt: number; lastAt: number }

export interface Hotspot {
  selector: string;
  clicks: number;
  dead: number;
  rage: number;
  /** Mean position of the clicks in the element's box (0..1), null when no click had a box. */
  fx: number | null;
  fy: number | null;
}

export interface ClickMap {
  page: { host: string; url: string; version: string };
  hotspots: Hotspot[];
  /** reached[i]: share of page views whose deepest point was at least i×10 % of the page (i = 0..10). */
  scroll: { views: number; reached: number[] };
  /** A page view to draw: the session's replay at `at` (just before its first click there). */
  snapshot?: { sessionId: string; at: number };
}
