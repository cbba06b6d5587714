/**
 * Checks a written term against its field's type and builds the tree node: text stays as typed (the index folds
 * case when it tokenises), keyword values are lower-cased except ids, numbers and durations become numbers, times
 * become epoch-ms bounds.
 */
import type { QueryNode } from './ast';
import { CASE_SENSITIVE_FIELDS } from './fields';
import { QueryError, shown } from './query-error';
import type { RawTerm } from './tokenize';
import { DAY, parseCount, parseDuration, parseFidelityScore, parseScore, parseStatus, parseTime, startOfUtcDay } from './values';

const NUMBER_FIELD_LIST = 'status, pages, score, fidelity, duration, active, took';
const PREFIX_FIELD_LIST = 'free words, text, typed, clicked, error, url, title, host, path, ws, field';

export function buildTerm(raw: RawTerm, now: number): QueryNode {
  const { field, value, start, end } = raw;
  if (!value.trim()) throw new QueryError(field ? `"${field.field}:" needs a value, not an empty string` : 'empty phrase', raw.valueStart - 1);
  if (!field) return { kind: 'text', field: null, value, phrase: raw.quoted, prefix: raw.prefix, start, end };

  // `fidelity:<80` or `fidelity:100`: the score; `fidelity:missing`: the category (a text term).
  if (field.kind === 'text' && field.field === 'fidelity' && (raw.op !== ':' || /^\d+$/.test(value)) && !raw.quoted && !raw.prefix) {
    return { kind: 'number', field: 'fidelity', op: raw.op === ':' ? '=' : raw.op, value: parseFidelityScore(value, raw.valueStart), start, end };
  }
  if (raw.op !== ':' && field.kind !== 'number') {
    throw new QueryError(`"${field.field}:" takes no comparison; comparisons work on ${NUMBER_FIELD_LIST}`, raw.opStart);
  }
  if (raw.prefix && field.kind !== 'text') {
    throw new QueryError(`"*" (prefix search) works on ${PREFIX_FIELD_LIST}, not on ${field.field}:`, end - 1);
  }
  switch (field.kind) {
    case 'text':
      return { kind: 'text', field: field.field, value, phrase: raw.quoted, prefix: raw.prefix, start, end };
    case 'keyword':
      if (field.field === 'version' && !/^[0-9a-f]{4,12}$/i.test(value)) {
        throw new QueryError(`version: takes a site version id or its first 4 to 12 hex digits, found ${shown(value)}`, raw.valueStart);
      }
      return { kind: 'keyword', field: field.field, value: CASE_SENSITIVE_FIELDS.has(field.field) ? value : value.toLowerCase(), start, end };
    case 'number': {
      const op = raw.op === ':' ? '=' : raw.op;
      if (field.duration) return { kind: 'number', field: field.field, op, value: parseDuration(value, raw.valueStart, field.field), start, end };
      if (field.field === 'pages') return { kind: 'number', field: field.field, op, value: parseCount(value, raw.valueStart, field.field), start, end };
      if (field.field === 'score') return { kind: 'number', field: field.field, op, value: parseScore(value, raw.valueStart), start, end };
      const status = parseStatus(value, raw.valueStart);
      if ('value' in status) return { kind: 'number', field: 'status', op, value: status.value, start, end };
      // A class (5xx) is the range [500, 600): two comparisons sharing the term's span, which is how chipsOf
      // and formatQuery recognise it and show it as one `status:5xx` again.
      if (op !== '=') throw new QueryError(`a status class such as ${shown(value)} takes no comparison`, raw.opStart);
      return {
        kind: 'and',
        items: [
          { kind: 'number', field: 'status', op: '>=', value: status.from, start, end },
          { kind: 'number', field: 'status', op: '<', value: status.to, start, end },
        ],
        start,
        end,
      };
    }
    case 'time': {
      const { ms, hasTime } = parseTime(value, raw.valueStart, field.field, now);
      if (field.field === 'after') return { kind: 'time', field: 'after', from: ms, start, end };
      if (field.field === 'before') return { kind: 'time', field: 'before', to: ms, start, end };
      if (hasTime && raw.value[0] !== '-' && raw.value.toLowerCase() !== 'now') {
        throw new QueryError('"on:" takes a day (2026-11-05, today, yesterday, -7d); for a time use after: and before:', raw.valueStart);
      }
      const day = startOfUtcDay(ms);
      return { kind: 'time', field: 'on', from: day, to: day + DAY, start, end };
    }
  }
}
