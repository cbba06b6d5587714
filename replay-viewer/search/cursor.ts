/**
 * The search's paging cursor: the last result's (startedAt, id), opaque to clients. Both, not the time alone, so
 * sessions that started in the same millisecond are neither skipped nor repeated across pages.
 */
import { VerbatimError } from '../../store/errors';

export interface SearchCursor { startedAt: number; id: string }

export function encodeCursor(c: SearchCursor): string {
  return Buffer.from(JSON.stringify([c.startedAt, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): SearchCursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && v[1].length <= 128) {
      return { startedAt: v[0] as number, id: v[1] };
    }
  } catch { /* reported below */ }
  throw new VerbatimError('BAD_REQUEST', 'Malformed cursor');
}
