/**
 * The viewer's JSON API (routes declared in routes.ts):
 *   GET /api/sessions?limit=&after=      sessions newest first (array); after=<startedAt>:<id> of the last row pages on
 *       (keyset on (startedAt, id): never skips sessions that started in the same ms; before=<ms> is the old form)
 *       &channel=proxy|gateway|kiosk&terminal=<id>   only those sessions
 *       &customer=<id>                   one customer's sessions (also GET /api/customers/<id>/sessions)
 *   GET /api/sessions/<id>               one session (with customerId when known)
 *   GET /api/sessions/<id>/events        { events, tracks, track }: one tab's rrweb events, time-ordered, URLs archived
 *                                        (?track=N, or the tab in use at ?at=<epoch-ms>); with Accept: application/x-ndjson
 *                                        or ?format=ndjson the same events streamed, the frame at ?at= first
 *                                        (with ?keyframe=1 after a keyframe: the frame as static HTML; a player page
 *                                        carries it in its own HTML when it can: pageKeyframe, ui-routes.ts)
 *                                        (replay/event-stream.ts; cached per session, replay/event-cache.ts)
 *   GET /api/sessions/<id>/captures      { captures, webSockets }: the network log (network-log.ts)
 *   GET /api/sessions/<id>/signals       { score, signals, visits }: struggle signals (session-signals.ts)
 *   GET /api/sessions/<id>/foreign-content  { flags, counts, … }: content the bank did not send (replay/foreign-content/)
 */
import type { Session, SessionCursor, SessionListQuery } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { VerbatimError } from '../store/errors';
import { sendJson } from './http-responses';
import type { RouteContext } from './route-table';
import { isValidSessionId, ReplayLibrary, type ArchiveTarget, type SessionEvents, type TrackChoice } from './replay/index';
import { sessionSignals } from './session-signals';
import { sessionVersions } from './analytics/versions/session-versions';
import { ReplayEventCache } from './replay/event-cache';
import { frameKeyframe, frameOf, sendEventStream, wantsEventStream } from './replay/event-stream';
import type { KeyframeStyles } from './replay/keyframe/index';
import type { PageKeyframe } from './replay/keyframe/page-keyframe';

export type ApiSession = Session & { durationMs: number; customerId?: string };

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
/** Sessions a filtered listing looks at before answering with what it found. */
const MAX_FILTER_SCAN = 20_000;

export function toApiSession(session: Session): ApiSession {
  return { ...session, durationMs: Math.max(0, session.endedAt - session.startedAt) };
}

export class ApiRoutes {
  /** Deep links (the NDJSON answer of /events) read a session's rewritten events from here. */
  private readonly eventCache: ReplayEventCache;

  constructor(private readonly store: VerbatimStore, private readonly replay = new ReplayLibrary(store)) {
    this.eventCache = new ReplayEventCache(store);
  }

  /** GET /api/sessions (with ?customer=: that customer's sessions). */
  async list({ req, res, query }: RouteContext): Promise<void> {
    const customer = query.get('customer');
    await sendJson(req, res, 200, customer ? await this.customerSessions(customer, query) : await this.withCustomers(await this.listAll(query)));
  }

  /** GET /api/customers/<id>/sessions */
  async customerHistory({ req, res, query, params }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await this.customerSessions(params.id!, query));
  }

  async session({ req, res, params }: RouteContext): Promise<void> {
    const session = await this.sessionOf(params.id!);
    await sendJson(req, res, 200, (await this.withCustomers([toApiSession(session)]))[0]);
  }

  async sessionEvents({ req, res, params, query }: RouteContext): Promise<void> {
    const session = await this.sessionOf(params.id!);
    if (wantsEventStream(req, query)) {
      const keyframe = query.get('keyframe') === '1' ? this.keyframeStyles(session.id) : undefined;
      await sendEventStream(req, res, await this.eventCache.get(session), trackChoice(query), keyframe);
      return;
    }
    await sendJson(req, res, 200, await this.events(session, query));
  }

  /**
   * A deep link's moment as static HTML for the player page itself (ui-routes.ts), the keyframe the event stream
   * would send (`?at=`, `?track=` as there); undefined when the session or its frame has none. The caller has
   * checked that the page's user may replay the session.
   */
  async pageKeyframe(id: string, query: URLSearchParams): Promise<PageKeyframe | undefined> {
    const session = await this.store.getSession(id);
    if (!session) return undefined;
    const { range, track } = frameOf(await this.eventCache.get(session), trackChoice(query));
    const keyframe = await frameKeyframe(track, range, this.keyframeStyles(session.id));
    return keyframe && { keyframe, shown: range.shown };
  }

  private keyframeStyles(sessionId: string): KeyframeStyles {
    return { sessionId, stylesheet: (t: ArchiveTarget) => this.replay.stylesheetText(t) };
  }

  /** How far to trust the replay (replay/fidelity.ts): computed on demand, as a resource may since have been erased. */
  async sessionFidelity({ req, res, params }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await this.replay.fidelity(await this.sessionOf(params.id!)));
  }

  /** Content the bank did not send (replay/foreign-content/): computed on demand from the events and captures. */
  async sessionForeignContent({ req, res, params }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await this.replay.foreignContent(await this.sessionOf(params.id!)));
  }

  async sessionCaptures({ req, res, params }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await this.replay.networkLog((await this.sessionOf(params.id!)).id));
  }

  async sessionSignals({ req, res, params }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await sessionSignals(this.store, (await this.sessionOf(params.id!)).id));
  }

  /** The site version each page load was served (analytics/versions/): computed from the stored captures on request. */
  async sessionVersions({ req, res, params }: RouteContext): Promise<void> {
    const { id } = await this.sessionOf(params.id!);
    const [batches, captures] = await Promise.all([this.store.readEvents(id), this.store.listCaptures(id)]);
    await sendJson(req, res, 200, { pages: sessionVersions(batches, captures) });
  }

  private async sessionOf(id: string): Promise<Session> {
    if (!isValidSessionId(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const session = await this.store.getSession(id);
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId: id });
    return session;
  }

  /** Sessions carry the customer they belong to, when the proxy's identity rules found one. */
  private withCustomers(sessions: ApiSession[]): Promise<ApiSession[]> {
    return Promise.all(sessions.map(async (s) => {
      const customerId = await this.store.customerOf(s.id);
      return customerId ? { ...s, customerId } : s;
    }));
  }

  private async customerSessions(customerId: string, query: URLSearchParams): Promise<ApiSession[]> {
    const limit = intParam(query, 'limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT;
    const ids = await this.store.sessionsOfCustomer(customerId);
    const sessions = (await Promise.all(ids.map((id) => this.store.getSession(id)))).filter((s): s is Session => !!s);
    sessions.sort((a, b) => b.startedAt - a.startedAt);
    return this.withCustomers(sessions.slice(0, limit).map(toApiSession));
  }

  private async listAll(query: URLSearchParams): Promise<ApiSession[]> {
    const limit = intParam(query, 'limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT;
    const before = intParam(query, 'before', 0, Number.MAX_SAFE_INTEGER);
    const after = cursorParam(query);
    const channel = query.get('channel') || undefined;
    const terminal = query.get('terminal') || undefined;
    const page = (n: number, from: SessionCursor | undefined): SessionListQuery =>
      from ? { limit: n, after: from } : before !== undefined ? { limit: n, before } : { limit: n };
    if (!channel && !terminal) return (await this.store.listSessions(page(limit, after))).map(toApiSession);
    // The store has no channel index: scan pages until enough sessions match (bounded).
    const out: Session[] = [];
    let cursor = after;
    for (let scanned = 0; out.length < limit && scanned < MAX_FILTER_SCAN; ) {
      const sessions = await this.store.listSessions(page(MAX_LIST_LIMIT, cursor));
      for (const s of sessions) {
        if ((!channel || s.channel === channel) && (!terminal || s.terminalId === terminal) && out.length < limit) out.push(s);
      }
      scanned += sessions.length;
      if (sessions.length < MAX_LIST_LIMIT) break;
      const last = sessions[sessions.length - 1]!;
      cursor = { startedAt: last.startedAt, id: last.id };
    }
    return out.map(toApiSession);
  }

  /**
   * The events of one tab track (see replay/tab-tracks.ts): `?track=N`, else the track in use
   * at `?at=<epoch-ms>`, else the first. The answer lists every track for the tab picker.
   */
  private events(session: Session, query: URLSearchParams): Promise<SessionEvents> {
    return this.replay.sessionEvents(session, trackChoice(query));
  }
}

function trackChoice(query: URLSearchParams): TrackChoice {
  return {
    track: intParam(query, 'track', 0, Number.MAX_SAFE_INTEGER),
    at: intParam(query, 'at', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** `after=<startedAt>:<id>`: the last row a client has (ids are validated as the store's). */
function cursorParam(query: URLSearchParams): SessionCursor | undefined {
  const raw = query.get('after');
  if (raw === null || raw === '') return undefined;
  const m = /^(\d{1,16}):(.{1,200})$/s.exec(raw);
  if (!m || !isValidSessionId(m[2]!) || !Number.isSafeInteger(Number(m[1]))) {
    throw new VerbatimError('BAD_REQUEST', 'Query parameter after must be <startedAt>:<session id> of the last session shown');
  }
  return { startedAt: Number(m[1]), id: m[2]! };
}

function intParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new VerbatimError('BAD_REQUEST', `Query parameter ${name} must be a non-negative integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new VerbatimError('BAD_REQUEST', `Query parameter ${name} must be between ${min} and ${max}`);
  return n;
}
