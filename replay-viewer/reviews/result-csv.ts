/**
 * A result set as CSV for spreadsheets, through csv-stringify: every cell quoted as needed, and any cell starting
 * with = + - @ tab or CR (and their full-width forms) prefixed with `'`, so a spreadsheet never runs it as a formula
 * (OWASP "CSV injection"). Session ids come from recorders, so they count as hostile too. Replay links are paths
 * (`/sessions/<id>?at=…`): the viewer's address depends on how it is reached, which the server cannot know for sure.
 */
import { stringify } from 'csv-stringify/sync';
import type { Mark, ReviewResult } from './types';

const HEADER = ['session_id', 'started_at', 'channel', 'customer_linked', 'first_match_at', 'match_count', 'replay_path', 'status', 'note', 'marked_by', 'marked_at'];

export function resultCsv(result: ReviewResult, marks: ReadonlyMap<string, Mark>): string {
  const iso = (t: number | null | undefined) => (t === null || t === undefined ? '' : new Date(t).toISOString());
  const rows = result.rows.map((r) => {
    const m = marks.get(r.sessionId);
    return [r.sessionId, iso(r.startedAt), r.channel, r.customerLinked ? 'yes' : 'no', iso(r.firstMatchAt), String(r.matchCount),
      r.replay, m?.status ?? 'open', m?.note ?? '', m?.by ?? '', iso(m?.at)];
  });
  return stringify([HEADER, ...rows], { escape_formulas: true, record_delimiter: 'windows' });
}
