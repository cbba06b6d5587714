/**
 * What the search index holds and what GET /api/search answers. Dependency-free: shared by the extractor, the
 * index, the API and the viewer.
 */

/** Where in a session something was found. Every hit keeps its moment so a result opens the replay there. */
export type HitKind = 'url' | 'title' | 'text' | 'typed' | 'clicked' | 'error' | 'request' | 'websocket' | 'struggle' | 'foreign' | 'fidelity' | 'marker';

export interface Hit {
  kind: HitKind;
  /** Epoch ms of the moment (the event's timestamp, the capture's start). */
  at: number;
  /** The recorded page (tab document) it belongs to, when known. */
  pageId?: string;
  /** The words as recorded (masked values stay masked): what is tokenised, and the snippet's source. */
  text: string;
  /** typed: the field's name/label; clicked and struggle: a stable selector; request: `METHOD host/path`; marker: its source. */
  field?: string;
  host?: string;
  path?: string;
  method?: string;
  status?: number;
  durationMs?: number;
}

/** One row of GET /api/search. */
export interface SearchResult {
  session: {
    id: string; startedAt: number; endedAt: number; channel: string; terminal?: string;
    browser?: string; os?: string; device?: string; country?: string;
    pageCount: number; durationMs: number; customerLinked: boolean; entryUrl?: string;
    /** 0–100 (docs/STRUGGLE.md). */
    struggleScore: number;
    /** The JavaScript errors recorded in the session (its `error` hits). */
    errorCount: number;
  };
  /** The first matching moment: the replay opens here (`/sessions/<id>?at=<at>`). */
  firstMatch?: { at: number; kind: HitKind; snippet: string };
  /** How many moments matched in this session. */
  matchCount: number;
}

export interface FacetCount { value: string; count: number }

export interface SearchResponse {
  results: SearchResult[];
  /** Sessions matching in all (exact up to 10,000; `totalCapped` then). */
  total: number;
  totalCapped?: boolean;
  /** Counts per value over all matching sessions, for the facets asked for (`facets=channel,device,…`). */
  facets: Record<string, FacetCount[]>;
  /** Opaque; pass as `cursor=` for the next page; absent on the last page. */
  next?: string;
}

/** GET /api/sessions/:id/matches?q=…: every matching moment in one session, for next/previous in the player. */
export interface MatchesResponse {
  matches: { at: number; kind: HitKind; snippet: string }[];
}
