/**
 * The journey map over a period (GET /api/analytics/journeys): the most common paths between pages, Sankey-style.
 * Column d holds the d-th page of the sessions' paths (session_paths, patterns in time order, repeats in a row
 * collapsed); a link counts the sessions that went from one page to the next; a session whose path ends at a page
 * exits there. Sessions count in the period they entered the site (their first page view).
 * One GROUP BY over session_paths, then counted here so both backends answer the same.
 */
import type { AnalyticsDb } from '../../search/search-index';
import { frag, sql } from '../../search/sql-fragment';
import { PATH_DEPTH, PATH_SEPARATOR } from '../index/session-paths';
import type { OnProgress } from '../query/progress';
import { rowsOf } from '../query/run-query';

export const EXIT = '(exit)';
/** Links drawn at most (the strongest), pages per column, paths listed. */
export const MAX_LINKS = 60;
export const MAX_PATHS = 20;
export const MAX_SESSIONS_LISTED = 50;
const MAX_PATHS_LOOKED_UP = 2_000;

export interface JourneyLink { step: number; from: string; to: string; sessions: number }
export interface JourneyReport {
  period: { from: number; to: number };
  sessions: number;
  /** Per column: pages and how many sessions had them at that step, most first. */
  columns: { url: string; sessions: number }[][];
  /** The strongest links, most first; `to` is EXIT when the session's path ended at `from`. */
  links: JourneyLink[];
  entries: { url: string; sessions: number }[];
  exits: { url: string; sessions: number }[];
  /** The most common whole paths (the first PATH_DEPTH pages). */
  paths: { steps: string[]; sessions: number }[];
}

interface Group { steps: string[]; exit: string; longer: boolean; n: number }

async function groups(db: AnalyticsDb, period: { from: number; to: number }): Promise<Group[]> {
  const rows = await rowsOf(db, sql('SELECT path, exit, CASE WHEN steps > ', frag(String(PATH_DEPTH)), ' THEN 1 ELSE 0 END AS longer, COUNT(*) AS n FROM session_paths WHERE ',
    frag('first_at >= ? AND first_at < ?', [period.from, period.to]), ' GROUP BY path, exit, 3'));
  return rows.map((r) => ({ steps: String(r[0]).split(PATH_SEPARATOR), exit: String(r[1]), longer: Number(r[2]) === 1, n: Number(r[3]) }));
}

const top = (m: Map<string, number>, limit = Infinity) =>
  [...m].map(([url, sessions]) => ({ url, sessions })).sort((a, b) => b.sessions - a.sessions || (a.url < b.url ? -1 : 1)).slice(0, limit);
const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

export async function journeyReport(db: AnalyticsDb, period: { from: number; to: number }, onProgress: OnProgress = () => undefined): Promise<JourneyReport> {
  await onProgress({ phase: 'reading paths', done: 0, total: 2 });
  const gs = await groups(db, period);
  await onProgress({ phase: 'counting links', done: 1, total: 2 });
  const columns = Array.from({ length: PATH_DEPTH }, () => new Map<string, number>());
  const links = new Map<string, JourneyLink>();
  const entries = new Map<string, number>();
  const exits = new Map<string, number>();
  const paths = new Map<string, number>();
  let sessions = 0;
  for (const g of gs) {
    sessions += g.n;
    add(entries, g.steps[0]!, g.n);
    add(exits, g.exit, g.n);
    add(paths, g.steps.join(PATH_SEPARATOR), g.n);
    g.steps.forEach((url, d) => {
      add(columns[d]!, url, g.n);
      // The path's last kept page: the session left there, unless it went on beyond the depth kept.
      const to = g.steps[d + 1] ?? (g.longer ? undefined : EXIT);
      if (to === undefined) return;
      const key = `${d}\n${url}\n${to}`;
      const link = links.get(key) ?? { step: d, from: url, to, sessions: 0 };
      link.sessions += g.n;
      links.set(key, link);
    });
  }
  await onProgress({ phase: 'done', done: 2, total: 2 });
  return {
    period, sessions,
    columns: columns.map((c) => top(c)).filter((c) => c.length),
    links: [...links.values()].sort((a, b) => b.sessions - a.sessions || a.step - b.step || (a.from + a.to < b.from + b.to ? -1 : 1)).slice(0, MAX_LINKS),
    entries: top(entries, 20),
    exits: top(exits, 20),
    paths: top(paths, MAX_PATHS).map((p) => ({ steps: p.url.split(PATH_SEPARATOR), sessions: p.sessions })),
  };
}

/** What a click on the map selects: a link (step d from → to; to may be EXIT), or a whole path. */
export type JourneySelection = { step: number; from: string; to: string } | { path: string[] };

/** The sessions of a link or a path, newest first, each with the moment it entered (the replay opens there). */
export async function journeySessions(db: AnalyticsDb, period: { from: number; to: number }, sel: JourneySelection): Promise<{ sessions: { session: string; at: number }[]; total: number }> {
  const wanted = (await groups(db, period)).filter((g) => {
    if ('path' in sel) return g.steps.join(PATH_SEPARATOR) === sel.path.join(PATH_SEPARATOR);
    if (g.steps[sel.step] !== sel.from) return false;
    return sel.to === EXIT ? g.steps.length === sel.step + 1 && !g.longer : g.steps[sel.step + 1] === sel.to;
  });
  const total = wanted.reduce((n, g) => n + g.n, 0);
  // Bounded: a link crossed by more distinct paths lists the sessions of the commonest ones (total stays whole).
  const pathList = [...new Set(wanted.sort((a, b) => b.n - a.n).map((g) => g.steps.join(PATH_SEPARATOR)))].slice(0, MAX_PATHS_LOOKED_UP);
  if (!pathList.length) return { sessions: [], total };
  const exitCheck = 'path' in sel || sel.to !== EXIT ? frag('1 = 1') : frag(`steps <= ${PATH_DEPTH}`);
  const rows = await rowsOf(db, sql('SELECT s.id, p.first_at FROM session_paths p JOIN sessions s ON s.sid = p.sid WHERE ',
    frag('p.first_at >= ? AND p.first_at < ?', [period.from, period.to]), ' AND ', exitCheck, ' AND p.path IN (', frag(pathList.map(() => '?').join(', '), pathList),
    `) ORDER BY p.first_at DESC, s.id LIMIT ${MAX_SESSIONS_LISTED}`));
  return { sessions: rows.map((r) => ({ session: String(r[0]), at: Number(r[1]) })), total };
}
