/**
 * Compliance reviews: saved searches, the result sets their runs produce (signed with the store's key), and the
 * reviewers' marks. Dependency-free shapes shared by the repository, the runner, the API and the viewer's Reviews page.
 */

export const SCHEDULES = ['none', 'daily', 'weekly', 'monthly'] as const;
/** daily / weekly (ISO weeks, Monday first) / monthly: each scheduled run covers the previous whole period in UTC. */
export type Schedule = (typeof SCHEDULES)[number];

export interface SavedSearch {
  id: string;
  name: string;
  /** Query text as typed (validated by the search parser; refused if the masking policy would mask any of it). */
  query: string;
  schedule: Schedule;
  owner: string;
  createdAt: number;
  updatedAt: number;
  /** Scheduled: the start of the next period to run. Persisted after each run, so a restart neither skips nor repeats one. */
  scheduleNext?: number;
}

/** Half-open [from, to), epoch ms, on the session's start time. */
export interface Period { from: number; to: number }

/** One matching session. No personal text: no snippet, no customer id (only whether one is linked). */
export interface ResultRow {
  sessionId: string;
  startedAt: number;
  channel: string;
  customerLinked: boolean;
  /** The first matching moment (epoch ms); null when the session matched as a whole (facts only). */
  firstMatchAt: number | null;
  matchCount: number;
  /** Opens the replay at the first match: `/sessions/<id>?at=<ms>&q=<query>`. */
  replay: string;
}

export const RESULT_FORMAT = 'verbatim-review-result/1';

/** What is signed: the canonical JSON (RFC 8785) of this object. */
export interface ReviewResult {
  format: typeof RESULT_FORMAT;
  runId: string;
  savedSearch: { id: string; name: string; query: string };
  period: Period;
  ranAt: number;
  /** The user who ran it, or `scheduler`. */
  ranBy: string;
  trigger: 'on-demand' | 'schedule';
  /** The search index's change-feed position when the run read it (what the index knew then). */
  indexCursor: number;
  count: number;
  /** More sessions matched than a result set holds (MAX_RESULT_ROWS): narrow the query or the period. */
  truncated: boolean;
  rows: ResultRow[];
}

/** The kept file: the result and its signature (a C2SP signed note naming the result's SHA-256). */
export interface SignedReviewResult {
  result: ReviewResult;
  signature: {
    /** `verbatim.local/review-result\n<run id>\nsha256 <hex of SHA-256 of the canonical result>\n` signed with the store key. */
    note: string;
    /** The store's note verifier key (compare with <data>/keys/checkpoint-signing.vkey, or pin your own copy). */
    verifierKey: string;
  };
}

/** A run without its rows: lists. */
export type RunSummary = Omit<ReviewResult, 'rows' | 'format'>;

export const MARK_STATUSES = ['open', 'reviewed', 'flagged'] as const;
export type MarkStatus = (typeof MARK_STATUSES)[number];

export interface Mark {
  sessionId: string;
  status: MarkStatus;
  /** Masked with the project's masker before it is kept. */
  note: string;
  by: string;
  at: number;
}

export interface RunProgress { reviewed: number; flagged: number; open: number }

/** GET /api/reviews/runs/:id */
export interface RunView {
  result: ReviewResult;
  /** Each session's latest mark, and every earlier one (oldest first). */
  marks: Record<string, { current: Mark; history: Mark[] }>;
  progress: RunProgress;
  signature: { ok: boolean; reason?: string; keyId?: string };
}
