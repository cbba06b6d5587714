/**
 * What a user may keep as preferences, dependency-free: shared by the server (which validates and stores them,
 * user-prefs.ts) and the viewer UI (which reads and changes them).
 */

/** The session list's columns, in their display order. `start` is always shown: it holds the link to the replay. */
export const LIST_COLUMNS = ['start', 'duration', 'pages', 'errors', 'score', 'channel', 'browser', 'device', 'country', 'entry'] as const;
export type ListColumn = (typeof LIST_COLUMNS)[number];
export const DEFAULT_LIST_COLUMNS: readonly ListColumn[] = ['start', 'duration', 'pages', 'errors', 'score', 'channel', 'browser', 'entry'];

export interface UserPrefs {
  listColumns: ListColumn[];
}

export const DEFAULT_PREFS: UserPrefs = { listColumns: [...DEFAULT_LIST_COLUMNS] };

export function isListColumn(v: unknown): v is ListColumn {
  return typeof v === 'string' && (LIST_COLUMNS as readonly string[]).includes(v);
}

/** A body's preferences, or the reason they are refused. Columns come back in display order, once each, start first. */
export function parsePrefs(body: unknown): UserPrefs | { error: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'preferences must be a JSON object' };
  const cols = (body as Record<string, unknown>).listColumns;
  if (!Array.isArray(cols) || cols.length > LIST_COLUMNS.length * 2) return { error: 'listColumns must be a list of column names' };
  const bad = cols.find((c) => !isListColumn(c));
  if (bad !== undefined) return { error: `unknown column ${String(bad).slice(0, 40)}; one of ${LIST_COLUMNS.join(', ')}` };
  const chosen = new Set<string>(['start', ...cols as string[]]);
  return { listColumns: LIST_COLUMNS.filter((c) => chosen.has(c)) };
}
