/**
 * The search query language's syntax tree: what the parser (parse.ts) produces and the index (../index-*.ts)
 * evaluates. Dependency-free, shared by the parser, the index backends, the API and the viewer's chips.
 *
 * Grammar (informal):  query := or ; or := and ('OR' and)* ; and := then (['AND'] then)* ;
 * then := unary ('THEN' unary)* ; unary := 'NOT' unary | '-' unary | '(' or ')' | term ;
 * term := [field op] value ; op := ':' | ':>' | ':>=' | ':<' | ':<=' | ':=' ; value := word | "quoted phrase".
 * Keywords are case-insensitive; `A then B` means A happened, then B, later in the same session.
 */

/** Text fields: matched by words (a quoted value is a phrase); `url:`/`host:`/`path:` also by prefix (`url:/pay*`). */
export const TEXT_FIELDS = ['text', 'typed', 'clicked', 'error', 'url', 'title', 'host', 'path', 'ws', 'field', 'struggle', 'foreign', 'fidelity', 'marker'] as const;
/** Exact-value fields (facetable). */
/** `version:` takes a site version id or its first 4+ hex digits (analytics/versions/: a page load served that build). */
export const KEYWORD_FIELDS = ['customer', 'channel', 'terminal', 'device', 'browser', 'os', 'country', 'method', 'session', 'version'] as const;
/** Numeric fields: status (HTTP), pages (count); duration-valued: duration, active, took (a request's duration). */
export const NUMBER_FIELDS = ['status', 'pages', 'score'] as const;
export const DURATION_FIELDS = ['duration', 'active', 'took'] as const;
/** Time range of the session's start: `after:2026-11-01`, `before:2026-12-01T12:00`, `on:2026-11-05`. */
export const TIME_FIELDS = ['after', 'before', 'on'] as const;

export type TextField = (typeof TEXT_FIELDS)[number];
export type KeywordField = (typeof KEYWORD_FIELDS)[number];
/** `fidelity:<80`: the replay's fidelity score (docs/FIDELITY.md); `fidelity:` with a word is the text field above. */
export type NumberField = (typeof NUMBER_FIELDS)[number] | (typeof DURATION_FIELDS)[number] | 'fidelity';
export type TimeField = (typeof TIME_FIELDS)[number];
export type Comparison = '=' | '>' | '>=' | '<' | '<=';

/** Source positions (0-based, end exclusive) so a chip or an error can point at the query text. */
export interface Span { start: number; end: number }

export type Term =
  /** Free text (no field): any text field. `phrase` when quoted; `prefix` when it ended in `*`. */
  | ({ kind: 'text'; field: TextField | null; value: string; phrase: boolean; prefix: boolean } & Span)
  | ({ kind: 'keyword'; field: KeywordField; value: string } & Span)
  /** Durations normalised to milliseconds. */
  | ({ kind: 'number'; field: NumberField; op: Comparison; value: number } & Span)
  /** Epoch ms, half-open [from, to). `after:` sets from, `before:` sets to, `on:` sets both (that UTC day). */
  | ({ kind: 'time'; field: TimeField; from?: number; to?: number } & Span);

export type QueryNode =
  | Term
  | ({ kind: 'and' | 'or'; items: QueryNode[] } & Span)
  | ({ kind: 'not'; item: QueryNode } & Span)
  /** Each step matched at a moment no earlier than the previous step's, in one session. */
  | ({ kind: 'then'; steps: QueryNode[] } & Span);

/** A malformed query: the API answers 400 with this code, message and position. */
export interface QueryErrorInfo {
  code: 'QUERY_INVALID';
  message: string;
  /** 0-based offset into the query where the problem is. */
  position: number;
}
