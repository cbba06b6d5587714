/**
 * Which recording session a browser is in. The proxy sets a browser-session
 * cookie holding a signed token; a session ends after `idleMs` without any
 * request or upload, and the next document then starts a new one.
 */
import type { IncomingMessage } from 'node:http';
import type { Channel } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { parseUserAgent } from '../store/user-agent';
import { SESSION_COOKIE, readCookie } from './http-headers';
import { newSessionId, type SessionTokens } from './session-tokens';

export interface ResolvedSession {
  sessionId: string;
  token: string;
  isNew: boolean;
}

export class SessionTracker {
  private readonly lastActivity = new Map<string, number>();
  /** Sessions whose record is still being written (see forDocument). */
  private readonly creating = new Map<string, Promise<void>>();

  constructor(
    private readonly store: VerbatimStore,
    readonly tokens: SessionTokens,
    private readonly idleMs: number,
    private readonly channel: Channel,
    private readonly onError: (err: unknown) => void = () => {},
    /** Masks what the browser sends that is stored on the session (its user agent). */
    private readonly maskText: (s: string) => string = (s) => s,
  ) {}

  /** Resolves once a new session's record is written (or failed: then its uploads get 404). */
  ready(sessionId: string): Promise<void> {
    return this.creating.get(sessionId) ?? Promise.resolve();
  }

  /** The session id a request's cookie proves, if any (no I/O). */
  fromRequest(req: IncomingMessage): string | undefined {
    const id = this.tokens.sessionOf(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (id) this.touch(id);
    return id;
  }

  touch(sessionId: string): void {
    this.lastActivity.set(sessionId, Date.now());
  }

  /** For a document request: the live session, or a new one when there is none or it went idle. */
  async forDocument(req: IncomingMessage, clientIp: string | undefined): Promise<ResolvedSession> {
    const now = Date.now();
    const existing = this.tokens.sessionOf(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (existing && await this.isLive(existing, now)) {
      this.touch(existing);
      return { sessionId: existing, token: this.tokens.tokenFor(existing), isNew: false };
    }
    const sessionId = newSessionId();
    const sent = req.headers['user-agent'];
    const userAgent = sent === undefined ? undefined : this.maskText(sent);
    // Not awaited: the document need not wait behind other writes (a new id cannot clash). What
    // depends on the record (uploads, captures) waits on ready(); the write queue keeps order anyway.
    const created = this.store.createSession({
      id: sessionId,
      channel: this.channel,
      startedAt: now,
      userAgent,
      ...parseUserAgent(userAgent),
      clientIp,
    }).then(() => undefined, (err: unknown) => this.onError(err));
    this.creating.set(sessionId, created);
    void created.then(() => this.creating.delete(sessionId));
    this.touch(sessionId);
    this.prune(now);
    return { sessionId, token: this.tokens.issue(sessionId), isNew: true };
  }

  /** Cookie for the document response: a browser-session cookie; idleness is judged here, not by expiry. */
  cookieFor(token: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  private async isLive(sessionId: string, now: number): Promise<boolean> {
    let last = this.lastActivity.get(sessionId);
    if (last === undefined) {
      const session = await this.store.getSession(sessionId);
      if (!session) return false;
      last = session.endedAt;
    }
    return now - last < this.idleMs;
  }

  private prune(now: number): void {
    if (this.lastActivity.size < 10_000) return;
    for (const [id, at] of this.lastActivity) if (now - at > this.idleMs) this.lastActivity.delete(id);
  }
}
