/**
 * The viewer's JSON API:
 *   GET /api/sessions?limit=&before=     sessions newest first (array)
 *   GET /api/sessions/<id>               one session
 *   GET /api/sessions/<id>/events        { events }: every rrweb event, time-ordered, URLs archived
 *   GET /api/sessions/<id>/captures      { captures }: the network log (metadata, no bodies)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CapturedResource, RecordedEvent, Session } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { VerbatimError } from '../store/errors';
import { isValidSessionId } from './archive-url';
import { sendJson } from './http-responses';
import { rewriteEvents } from './rewrite-events';

export type ApiSession = Session & { durationMs: number };

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

export function toApiSession(session: Session): ApiSession {
  return { ...session, durationMs: Math.max(0, session.endedAt - session.startedAt) };
}

export class ApiRoutes {
  constructor(private readonly store: VerbatimStore) {}

  /** Returns false when the path is not an API path. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<boolean> {
    if (path === '/api/sessions' || path === '/api/sessions/') {
      await sendJson(req, res, 200, await this.list(query));
      return true;
    }
    const m = /^\/api\/sessions\/([^/]*)(?:\/(events|captures))?\/?$/.exec(path);
    if (!m) return false;
    const [, id, sub] = m;
    if (!isValidSessionId(id!)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const session = await this.store.getSession(id!);
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId: id });
    if (sub === 'events') await sendJson(req, res, 200, { events: await this.events(session) });
    else if (sub === 'captures') await sendJson(req, res, 200, { captures: await this.captures(session.id) });
    else await sendJson(req, res, 200, toApiSession(session));
    return true;
  }

  private async list(query: URLSearchParams): Promise<ApiSession[]> {
    const limit = intParam(query, 'limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT;
    const before = intParam(query, 'before', 0, Number.MAX_SAFE_INTEGER);
    const sessions = await this.store.listSessions(before === undefined ? { limit } : { limit, before });
    return sessions.map(toApiSession);
  }

  private async events(session: Session): Promise<RecordedEvent[]> {
    const batches = await this.store.readEvents(session.id);
    const events = batches
      .flatMap((b) => b.events)
      .filter((e) => e && typeof e.timestamp === 'number' && Number.isFinite(e.timestamp));
    // Array.prototype.sort is stable: equal timestamps keep their recorded order.
    events.sort((a, b) => a.timestamp - b.timestamp);
    const pageUrl = session.pages[0]?.url ?? batches[0]?.page.url;
    return rewriteEvents(events, { sessionId: session.id, pageUrl });
  }

  private async captures(sessionId: string): Promise<CapturedResource[]> {
    const captures = await this.store.listCaptures(sessionId);
    return [...captures].sort((a, b) => a.startedAt - b.startedAt);
  }
}

function intParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new VerbatimError('BAD_REQUEST', `Query parameter ${name} must be a non-negative integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new VerbatimError('BAD_REQUEST', `Query parameter ${name} must be between ${min} and ${max}`);
  return n;
}
