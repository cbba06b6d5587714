/**
 * Reading and writing the typed values of numeric, duration and time fields. Hand-written scanners (no regular
 * expressions over user input) that report the offset of the first character they cannot use.
 *
 * Times: an ISO date or date-time without a zone is UTC (the index stores epoch ms, and one bank's staff across
 * time zones must get the same answer for the same query). Relative times count back from `now`.
 */
import { QueryError, shown } from './query-error';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Times outside [1970, 10000) are refused: no recording predates 1970, and ISO years have four digits. */
export const MAX_TIME = Date.UTC(10000, 0, 1);

const DURATION_UNITS: Record<string, { ms: number; rank: number }> = {
  h: { ms: HOUR, rank: 3 }, m: { ms: MINUTE, rank: 2 }, s: { ms: SECOND, rank: 1 }, ms: { ms: 1, rank: 0 },
};
const RELATIVE_UNITS: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };
const DURATION_HELP = 'use ms, s, m or h, e.g. 500ms, 90s, 5m, 1h30m';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string | undefined): boolean => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** Reads digits (and, if `fraction`, one `.digits`) from `i`; `end` === `i` when there were none. */
function scanNumber(v: string, i: number, fraction: boolean): { value: number; end: number } {
  let end = i;
  while (isDigit(v[end])) end++;
  if (end === i) return { value: NaN, end };
  if (fraction && v[end] === '.' && isDigit(v[end + 1])) {
    end++;
    while (isDigit(v[end])) end++;
  }
  return { value: Number(v.slice(i, end)), end };
}

/** A whole number such as `pages:>10`. */
export function parseCount(v: string, at: number, field: string): number {
  const { value, end } = scanNumber(v, 0, false);
  if (end === 0) throw new QueryError(`${field}: expected a whole number, found ${shown(v)}`, at);
  if (end < v.length) throw new QueryError(`${field}: expected a whole number, found ${shown(v)}`, at + end);
  if (end > 9) throw new QueryError(`${field}: ${v} is too large`, at);
  return value;
}

/** A struggle score, `score:>60`: a whole number from 0 to 100 (docs/STRUGGLE.md). */
export function parseScore(v: string, at: number): number {
  const n = parseCount(v, at, 'score');
  if (n > 100) throw new QueryError(`score: a struggle score is a whole number from 0 to 100, found ${shown(v)}`, at);
  return n;
}

/** A fidelity score, `fidelity:<80`: a whole number from 0 to 100 (docs/FIDELITY.md). */
export function parseFidelityScore(v: string, at: number): number {
  const n = parseCount(v, at, 'fidelity');
  if (n > 100) throw new QueryError(`fidelity: a fidelity score is a whole number from 0 to 100, found ${shown(v)}`, at);
  return n;
}

/** `500`, or a class such as `5xx` / `40x`: the half-open range it covers. */
export function parseStatus(v: string, at: number): { value: number } | { from: number; to: number } {
  let digits = 0;
  while (isDigit(v[digits])) digits++;
  let xs = 0;
  while (v[digits + xs] === 'x' || v[digits + xs] === 'X') xs++;
  const help = `status: expected an HTTP status such as 404, or a class such as 5xx, found ${shown(v)}`;
  if (digits === 0) throw new QueryError(help, at);
  if (digits + xs < v.length) throw new QueryError(help, at + digits + xs);
  if (xs > 0) {
    if (v.length !== 3 || v[0] === '0') throw new QueryError(help, at);
    const size = 10 ** xs;
    const from = Number(v.slice(0, digits)) * size;
    return { from, to: from + size };
  }
  const value = Number(v);
  if (digits !== 3 || value < 100) throw new QueryError(`status: an HTTP status is a number from 100 to 999, found ${shown(v)}`, at);
  return { value };
}

/** `500ms`, `90s`, `1.5s`, `5m`, `1h30m`, `2h` → milliseconds. A bare number is refused: 90 what? */
export function parseDuration(v: string, at: number, field: string): number {
  let i = 0;
  let total = 0;
  let lastRank = Infinity;
  while (i < v.length) {
    const numberStart = i;
    const { value, end } = scanNumber(v, i, true);
    if (end === i) throw new QueryError(`${field}: expected a duration (${DURATION_HELP}), found ${shown(v)}`, at + i);
    i = end;
    const unitStart = i;
    while (isLetter(v[i])) i++;
    const unitText = v.slice(unitStart, i).toLowerCase();
    if (!unitText) {
      if (numberStart === 0 && i === v.length) throw new QueryError(`${field}: ${shown(v)} needs a unit: ${DURATION_HELP}`, at + i);
      throw new QueryError(`${field}: expected a unit after ${v.slice(numberStart, i)} (${DURATION_HELP})`, at + i);
    }
    const unit = DURATION_UNITS[unitText];
    if (!unit) throw new QueryError(`${field}: unknown duration unit ${shown(unitText)}: ${DURATION_HELP}`, at + unitStart);
    if (unit.rank >= lastRank) throw new QueryError(`${field}: write each unit once, largest first (1h30m)`, at + numberStart);
    lastRank = unit.rank;
    total += value * unit.ms;
  }
  if (!v) throw new QueryError(`${field}: expected a duration (${DURATION_HELP})`, at);
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw new QueryError(`${field}: ${v} is too long a duration`, at);
  return ms;
}

/** 5400000 → `1h30m`; 1500 → `1s500ms`; 0 → `0ms`. Reads back through parseDuration to the same number. */
export function formatDuration(ms: number, separator = ''): string {
  if (ms === 0) return '0ms';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', HOUR], ['m', MINUTE], ['s', SECOND]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join(separator);
}

export const startOfUtcDay = (ms: number): number => Math.floor(ms / DAY) * DAY;

/**
 * An instant: `2026-11-05`, `2026-11-05T14:30[:15[.250]][Z|±hh:mm]` (no zone = UTC), `now`, `today`, `yesterday`
 * (midnight UTC), or `-30m` / `-24h` / `-7d` / `-2w` before `now`. `hasTime` is false for a bare date.
 */
export function parseTime(v: string, at: number, field: string, now: number): { ms: number; hasTime: boolean } {
  const word = v.toLowerCase();
  let result: { ms: number; hasTime: boolean };
  if (word === 'now') result = { ms: now, hasTime: true };
  else if (word === 'today') result = { ms: startOfUtcDay(now), hasTime: false };
  else if (word === 'yesterday') result = { ms: startOfUtcDay(now) - DAY, hasTime: false };
  else if (v[0] === '-') result = parseRelative(v, at, field, now);
  else result = parseIso(v, at, field);
  if (!(result.ms >= 0 && result.ms < MAX_TIME)) throw new QueryError(`${field}: ${v} is out of range (1970 to 9999)`, at);
  return result;
}

function parseRelative(v: string, at: number, field: string, now: number): { ms: number; hasTime: boolean } {
  const { value, end } = scanNumber(v, 1, false);
  if (end === 1) throw new QueryError(`${field}: expected a time back from now such as -7d or -24h, found ${shown(v)}`, at + 1);
  const unit = RELATIVE_UNITS[v.slice(end).toLowerCase()];
  if (unit === undefined) {
    const help = 'use m, h, d or w, e.g. -30m, -24h, -7d';
    if (end === v.length) throw new QueryError(`${field}: a relative time needs a unit: ${help}`, at + end);
    throw new QueryError(`${field}: unknown unit ${shown(v.slice(end))} in a relative time: ${help}`, at + end);
  }
  if (end > 7) throw new QueryError(`${field}: ${v} is out of range (1970 to 9999)`, at);
  return { ms: now - value * unit, hasTime: true };
}

function parseIso(v: string, at: number, field: string): { ms: number; hasTime: boolean } {
  const help = 'a date such as 2026-11-05 or 2026-11-05T14:30, or -7d, today, yesterday';
  let i = 0;
  const fail = (what = `expected ${help}, found ${shown(v)}`): never => { throw new QueryError(`${field}: ${what}`, at + Math.min(i, v.length)); };
  /** Exactly `width` digits at i, within [min, max]. */
  const part = (width: number, min: number, max: number, name: string): number => {
    const start = i;
    while (i - start < width && isDigit(v[i])) i++;
    if (i - start !== width || isDigit(v[i])) { i = start; fail(); }
    const n = Number(v.slice(start, i));
    if (n < min || n > max) { i = start; fail(`${name} ${v.slice(start, start + width)} is out of range in ${shown(v)}`); }
    return n;
  };
  const expect = (c: string): void => { if (v[i] !== c) fail(); i++; };

  const year = part(4, 0, 9999, 'year');
  expect('-');
  const month = part(2, 1, 12, 'month');
  expect('-');
  const dayStart = i;
  const day = part(2, 1, 31, 'day');
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) { i = dayStart; fail(`day ${day} is out of range in ${shown(v)}`); }
  if (i === v.length) return { ms: utc(year, month, day), hasTime: false };
  if (v[i] !== 'T' && v[i] !== 't' && v[i] !== ' ') fail();
  i++;
  const hour = part(2, 0, 23, 'hour');
  expect(':');
  const minute = part(2, 0, 59, 'minute');
  let second = 0;
  let millis = 0;
  if (v[i] === ':') {
    i++;
    second = part(2, 0, 59, 'second');
    if (v[i] === '.') {
      i++;
      const start = i;
      while (i - start < 3 && isDigit(v[i])) i++;
      if (i === start || isDigit(v[i])) fail();
      millis = Number(v.slice(start, i).padEnd(3, '0'));
    }
  }
  let offset = 0;
  if (v[i] === 'Z' || v[i] === 'z') i++;
  else if (v[i] === '+' || v[i] === '-') {
    const sign = v[i] === '+' ? 1 : -1;
    i++;
    const oh = part(2, 0, 23, 'zone hour');
    expect(':');
    const om = part(2, 0, 59, 'zone minute');
    offset = sign * (oh * HOUR + om * MINUTE);
  }
  if (i !== v.length) fail();
  return { ms: utc(year, month, day) + hour * HOUR + minute * MINUTE + second * SECOND + millis - offset, hasTime: true };
}

/** Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not. */
function utc(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** Canonical text for an instant: the shortest ISO form that reads back to the same ms (always UTC, `Z` when timed). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (ms % DAY === 0) return iso.slice(0, 10);
  if (ms % MINUTE === 0) return `${iso.slice(0, 16)}Z`;
  if (ms % SECOND === 0) return `${iso.slice(0, 19)}Z`;
  return iso;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** For chips: `5 Nov 2026`, `5 Nov 2026 14:30 UTC`, `5 Nov 2026 14:30:15.250 UTC`. */
export function describeTime(ms: number): string {
  const d = new Date(ms);
  const date = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  if (ms % DAY === 0) return date;
  const iso = d.toISOString();
  const time = ms % MINUTE === 0 ? iso.slice(11, 16) : ms % SECOND === 0 ? iso.slice(11, 19) : iso.slice(11, 23);
  return `${date} ${time} UTC`;
}
