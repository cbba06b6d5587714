/**
 * GET /api/sessions/:id/live (routes.ts): the live view's Server-Sent Events (live-stream.ts). The gate has already
 * checked the role, the agents' customer scope and written the `live` audit entry; when the view ends, `onEnd` adds
 * a `live-end` entry with its duration.
 */
import { VerbatimError } from '../../store/errors';
import type { VerbatimStore } from '../../store/store';
import { isValidSessionId } from '../replay/archive-url';
import type { RouteContext } from '../route-table';
import type { LiveHub } from './live-hub';
import { streamLive, type EndReason } from './live-stream';

export interface LiveRoutesOptions {
  idleMs?: number;
  bufferBytes?: number;
  /** Records the end of a view (the CLI and tests pass the access layer's audit trail). */
  onEnd?: (ctx: RouteContext, reason: EndReason, durationMs: number) => void;
}

export class LiveRoutes {
  constructor(private readonly store: VerbatimStore, readonly hub: LiveHub, private readonly opts: LiveRoutesOptions = {}) {}

  async stream(ctx: RouteContext): Promise<void> {
    const { req, res, params, query } = ctx;
    const id = params.id!;
    if (!isValidSessionId(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const session = await this.store.getSession(id);
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId: id });
    const track = numberOf(query.get('track'), 'Query parameter track');
    // EventSource sends the header on reconnect; `?lastEventId=` is for clients that cannot set headers.
    const last = req.headers['last-event-id'];
    const resumeFrom = numberOf(typeof last === 'string' ? last : query.get('lastEventId'), 'Last-Event-ID');
    await streamLive({
      store: this.store, hub: this.hub, session, req, res, track, resumeFrom,
      idleMs: this.opts.idleMs, bufferBytes: this.opts.bufferBytes,
      onEnd: (reason, durationMs) => this.opts.onEnd?.(ctx, reason, durationMs),
    });
  }
}

function numberOf(raw: string | null | undefined, what: string): number | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new VerbatimError('BAD_REQUEST', `${what} must be a non-negative integer`);
  return Number(raw);
}
