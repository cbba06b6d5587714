/** A view's period from `?from=&to=`: epoch ms or ISO 8601 UTC (a bare date is midnight UTC); to exclusive. */
import { VerbatimError } from '../../../store/errors';

const DAY = 86_400_000;
/** A view over no period given: the last 30 days. */
export const DEFAULT_DAYS = 30;
const MAX_DAYS = 3_660;

function timeOf(raw: string, name: string): number {
  const t = /^\d{1,15}$/.test(raw) ? Number(raw)
    : /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/.test(raw) ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw) : Number.NaN;
  if (!Number.isSafeInteger(t)) throw new VerbatimError('BAD_REQUEST', `${name} must be epoch ms or an ISO 8601 UTC time (2026-11-01 or 2026-11-01T08:00Z)`);
  return t;
}

export function periodOf(query: URLSearchParams, now: number): { from: number; to: number } {
  const rawTo = query.get('to');
  const rawFrom = query.get('from');
  const to = rawTo ? timeOf(rawTo, 'to') : now;
  const from = rawFrom ? timeOf(rawFrom, 'from') : to - DEFAULT_DAYS * DAY;
  if (from >= to) throw new VerbatimError('BAD_REQUEST', 'from must be before to');
  if (to - from > MAX_DAYS * DAY) throw new VerbatimError('BAD_REQUEST', `A period of at most ${MAX_DAYS} days`);
  return { from, to };
}
