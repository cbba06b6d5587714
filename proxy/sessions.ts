/**
 * Which recording session a browser is in. The proxy sets a browser-session
 * cookie holding a signed token; a session ends after `idleMs` without customer
 * activity, and the next document then starts a new one.
 *
 * Customer activity is what a person does: a navigation the browser marks as
 * user-initiated (`Sec-Fetch-User: ?1`, or a browser that sends no Fetch
 * Metadata at all) and recorder uploads holding input, clicks, scrolling or
 * pointer movement. A page's own traffic (polling, assets, frames, redirects by
 * script) and uploads of DOM changes alone are attributed to a live session but
 * do not keep it alive: on a shared branch PC the cookie stays in the browser,
 * and a page left open must not carry the next customer into the previous one's
 * session. Once idle a session stays over, in this process and after a restart
 * (its last event in the store decides then).
 *
 * A WebSocket does not always carry the session cookie: one opened from an
 * `http://` page to `wss://` is cross-site for the Lax cookie, one to another host
 * has none. Its handshake does carry the page's origin (`Origin`, set by the
 * browser; a page cannot name another site's origin), so the proxy remembers
 * which live session it served documents of each origin to, per client address,
 * and ties such a socket to that session when there is exactly one. A request to
 * another site (a third party's script, image or API) is tied the same way, by
 * its Origin or Referer (forCrossOrigin).
 */
import type { IncomingMessage } from 'node:http';
import { isVerbatimError } from '../store/errors';
import type { Channel, Session } from '../store/records';
import { SESSION_COOKIE, readCookie } from './http-headers';
import { LruSet } from '../store/lru-set';
import type { IngestPipeline } from './ingest/pipeline';
import { newSessionId, type SessionTokens } from './session-tokens';
import { ACTIVITY_SOURCES, EventType } from '../recorder/rrweb-wire';

export interface ResolvedSession {
  sessionId: string;
  token: string;
  isNew: boolean;
}

/** How long a multi-writer store is asked for a session record another instance is still writing. */
const RECALL_WAIT_MS = 3_000;
/**
 * The longest a document waits for the store to say whether its cookie's session is live; past it the page gets a new
 * session, for the proxy never holds a page on a slow or recovering store. Longer than RECALL_WAIT_MS, so a record
 * another instance is still committing is waited for.
 */
const DOCUMENT_RECALL_MS = RECALL_WAIT_MS + 500;

export class SessionTracker {
  /** Last customer activity (or start) of each live session this process knows. */
  private readonly lastActivity = new Map<string, number>();
  /** Sessions judged over: never revived, whatever their cookie or uploads say. */
  private readonly ended = new LruSet(100_000);
  /** Store reads for sessions this process has not seen (after a restart). */
  private readonly recalling = new Map<string, Promise<void>>();
  /** `client \n origin` → sessions whose documents of that origin that client was served. */
  private readonly pages = new Map<string, Set<string>>();

  constructor(
    private readonly ingest: IngestPipeline,
    readonly tokens: SessionTokens,
    private readonly idleMs: number,
    private readonly channel: Channel,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * The live session a request's cookie proves, if any (no I/O, and no effect on
   * idleness). A session this process has not seen yet (it restarted) counts only
   * once the store has said when it was last active: until then, undefined.
   */
  fromRequest(req: IncomingMessage): string | undefined {
    const id = this.tokens.sessionOf(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!id) return undefined;
    const live = this.liveNow(id, Date.now());
    if (live === undefined) void this.recall(id);
    return live ? id : undefined;
  }

  /**
   * The session a request's response is filed under: the live session its cookie proves; or, when the cookie names a
   * session this process has not judged yet (it restarted a moment ago), a promise of it once the store has answered,
   * so the first captures after a restart are not filed under no session. The request itself never waits for this.
   */
  forCapture(req: IncomingMessage): string | Promise<string | undefined> | undefined {
    const id = this.tokens.sessionOf(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!id) return undefined;
    const live = this.liveNow(id, Date.now());
    if (live !== undefined) return live ? id : undefined;
    return this.recall(id).then(() => (this.liveNow(id, Date.now()) ? id : undefined));
  }

  /** A person did something in this session (an upload with interaction): it stays live, unless already over. */
  touch(sessionId: string): void {
    const live = this.liveNow(sessionId, Date.now());
    if (live) this.lastActivity.set(sessionId, Date.now());
    // Not known yet (a restart, or its record was written late): once the store has answered.
    else if (live === undefined) {
      void this.recall(sessionId).then(() => {
        if (this.liveNow(sessionId, Date.now())) this.lastActivity.set(sessionId, Date.now());
      });
    }
  }

  /** Called with each stored recorder upload: interaction keeps the session alive, DOM changes alone do not. */
  uploaded(sessionId: string, events: readonly unknown[]): void {
    if (events.some(isInteraction)) this.touch(sessionId);
  }

  /** For a document request: the live session, or a new one when there is none or it went idle. */
  async forDocument(req: IncomingMessage, clientIp: string | undefined): Promise<ResolvedSession> {
    const now = Date.now();
    const existing = this.tokens.sessionOf(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (existing) {
      if (this.liveNow(existing, now) === undefined) {
        // A session whose record the store could not take (an outage) is not handed out while the record is missing;
        // it is written beside the request (recall), never before the page: waiting for it held a page 9.5 s while
        // PostgreSQL restarted.
        if (this.ingest.isUnrecorded(existing)) void this.recall(existing);
        else await Promise.race([this.recall(existing), new Promise((r) => setTimeout(r, DOCUMENT_RECALL_MS).unref())]);
      }
      if (this.liveNow(existing, now)) {
        if (isCustomerNavigation(req)) this.lastActivity.set(existing, now);
        return { sessionId: existing, token: this.tokens.tokenFor(existing), isNew: false };
      }
    }
    const sessionId = newSessionId();
    // Not awaited: the document need not wait behind other writes (a new id cannot clash). What depends on the
    // record (uploads, captures) waits for it in the pipeline. A session whose record the store could not take (a
    // full disk) is not handed out while its record is missing: the next document starts another, and the pipeline
    // writes the missing record on the session's next use once the store is writable again. One whose record failed
    // for good is over at once.
    this.ingest.startSession({
      id: sessionId,
      channel: this.channel,
      startedAt: now,
      userAgent: req.headers['user-agent'],
      clientIp,
    }).catch((err: unknown) => {
      if (this.ingest.isUnrecorded(sessionId)) this.lastActivity.delete(sessionId);
      else this.end(sessionId);
      this.onError(err);
    });
    this.lastActivity.set(sessionId, now);
    this.prune(now);
    return { sessionId, token: this.tokens.issue(sessionId), isNew: true };
  }

  /** A document of `origin` was served to `client` (its address) in this session. */
  noteDocument(client: string | undefined, origin: string, sessionId: string): void {
    if (!client) return;
    const key = `${client}\n${origin}`;
    let sessions = this.pages.get(key);
    if (!sessions) this.pages.set(key, (sessions = new Set()));
    sessions.add(sessionId);
    if (this.pages.size > 50_000) this.prunePages();
  }

  /**
   * The session of the page that opened a socket without the session cookie: the one live
   * session whose documents of `origin` (the handshake's Origin) were served to `client`.
   * Two live ones (two browsers behind one address) is ambiguous: none, rather than a wrong one.
   */
  forPageOrigin(client: string | undefined, origin: string | undefined): string | undefined {
    if (!client || !origin || origin === 'null') return undefined;
    const sessions = this.pages.get(`${client}\n${origin}`);
    if (!sessions) return undefined;
    const now = Date.now();
    const live = [...sessions].filter((id) => {
      if (this.liveNow(id, now)) return true;
      sessions.delete(id);
      return false;
    });
    return live.length === 1 ? live[0] : undefined;
  }

  /**
   * The session of the page that made a request to another site, which carries no session cookie (the cookie is per
   * host): by the page's origin the browser states (`Origin` on CORS requests, else the `Referer`, which the default
   * policy cuts to the origin across sites), as forPageOrigin. A request naming its own origin, or none (a
   * `no-referrer` page), is not attributed: its missing cookie means no session. Third parties' slow and failed
   * requests thus reach the session's struggle signals, and its captures its replay.
   */
  forCrossOrigin(req: IncomingMessage, client: string | undefined, targetOrigin: string): string | undefined {
    const page = pageOriginOf(req);
    return page && page !== targetOrigin ? this.forPageOrigin(client, page) : undefined;
  }

  /** Cookie for the document response: a browser-session cookie; idleness is judged here, not by expiry. */
  cookieFor(token: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  /** true = live, false = over (now marked so), undefined = not known to this process (or its record is missing). */
  private liveNow(sessionId: string, now: number): boolean | undefined {
    if (this.ended.has(sessionId)) return false;
    if (this.ingest.isUnusable(sessionId)) {
      this.end(sessionId);
      return false;
    }
    if (this.ingest.isUnrecorded(sessionId)) return undefined;
    const last = this.lastActivity.get(sessionId);
    if (last === undefined) return undefined;
    if (now - last < this.idleMs) return true;
    this.end(sessionId);
    return false;
  }

  /**
   * Learns from the store when a session unknown to this process was last active. Reading the record also opens it
   * with the session's key: a damaged key ends the session here. A record the store could not take is written first
   * if the store is writable again; while it cannot be, the session stays unknown (not handed out).
   */
  private recall(sessionId: string): Promise<void> {
    let pending = this.recalling.get(sessionId);
    if (!pending) {
      pending = (async () => {
        if (this.ingest.isUnrecorded(sessionId)) {
          await this.ingest.ready(sessionId);
          if (this.ingest.isUnrecorded(sessionId)) return;
        }
        let session: Session | undefined;
        try {
          session = await this.ingest.store.getSession(sessionId);
          // The forward proxy and the gateway of one process share its store, each with its own sessions: the other
          // may have started this one a moment ago, its record still queued (the document was answered first). Asked
          // again once the store's queued writes have landed.
          const flushWrites = (this.ingest.store as { flushWrites?: () => Promise<void> }).flushWrites;
          if (!session && !this.ingest.store.supports.multiWriter && flushWrites) {
            await flushWrites.call(this.ingest.store);
            session = await this.ingest.store.getSession(sessionId);
          }
          // Several instances over one store: the instance that started this session may not have committed its
          // record yet. Asked again briefly before the session counts as over.
          if (!session && this.ingest.store.supports.multiWriter) {
            for (const end = Date.now() + RECALL_WAIT_MS; !session && Date.now() < end;) {
              await new Promise((r) => setTimeout(r, 100));
              if (await this.ingest.store.getTombstone(sessionId).catch(() => undefined)) break;
              session = await this.ingest.store.getSession(sessionId);
            }
          }
        } catch (err) {
          // Damaged key: over for good. The store cannot answer now: unknown still, asked again next time.
          if (isVerbatimError(err, 'SESSION_KEY_DAMAGED')) this.end(sessionId);
          else this.onError(err);
          return;
        }
        if (this.lastActivity.has(sessionId) || this.ended.has(sessionId)) return;
        const last = session ? Math.max(session.endedAt, session.startedAt) : undefined;
        if (last !== undefined && Date.now() - last < this.idleMs) this.lastActivity.set(sessionId, last);
        else this.end(sessionId);
      })().finally(() => this.recalling.delete(sessionId));
      this.recalling.set(sessionId, pending);
    }
    return pending;
  }

  private end(sessionId: string): void {
    this.lastActivity.delete(sessionId);
    this.ended.add(sessionId);
  }

  private prune(now: number): void {
    if (this.lastActivity.size < 10_000) return;
    for (const [id, at] of this.lastActivity) if (now - at >= this.idleMs) this.end(id);
  }

  private prunePages(): void {
    const now = Date.now();
    for (const [key, sessions] of this.pages) {
      for (const id of sessions) if (!this.liveNow(id, now)) sessions.delete(id);
      if (!sessions.size) this.pages.delete(key);
    }
  }
}

/**
 * A navigation a person started: Chromium, Firefox and Safari send `Sec-Fetch-User: ?1`
 * for those; a browser without Fetch Metadata cannot tell us, so its documents count.
 */
function isCustomerNavigation(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-user'] === '?1') return true;
  return req.headers['sec-fetch-mode'] === undefined && req.headers['sec-fetch-dest'] === undefined;
}

function isInteraction(event: unknown): boolean {
  const e = event as { type?: unknown; data?: { source?: unknown } } | null;
  return e?.type === EventType.IncrementalSnapshot && ACTIVITY_SOURCES.has(e.data?.source as number);
}

/** The origin of the page a request says it came from: its `Origin`, else its `Referer`'s origin. */
function pageOriginOf(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = req.headers.referer;
  if (typeof referer !== 'string' || !referer) return undefined;
  try {
    const url = new URL(referer);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
