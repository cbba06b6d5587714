/**
 * Which recording session a browser is in. The proxy sets a browser-session
 * cookie holding a signed token; a session ends after `idleMs` without any
 * request or upload, and the next document then starts a new one.
 */
import type { IncomingMessage } from 'node:http';
import { isVerbatimError } from '../store/errors';
import type { Channel, Session } from '../store/records';
import { SESSION_COOKIE, readCookie } from './http-headers';
import type { IngestPipeline } from './ingest/pipeline';
import { newSessionId, type SessionTokens } from './session-tokens';

export interface ResolvedSession {
  sessionId: string;
  token: string;
  isNew: boolean;
}

export class SessionTracker {
  private readonly lastActivity = new Map<string, number>();
  /**
   * Sessions this process started, or whose record it read back: any other session a cookie names is read from the
   * store before it is handed out again, even if its page's other requests came first (a session whose record was
   * lost, or whose key is damaged, would otherwise go on being handed out and record nothing).
   */
  private readonly confirmed = new Set<string>();

  constructor(
    private readonly ingest: IngestPipeline,
    readonly tokens: SessionTokens,
    private readonly idleMs: number,
    private readonly channel: Channel,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

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
    // Not awaited: the document need not wait behind other writes (a new id cannot clash). What depends on the
    // record (uploads, captures) waits for it in the pipeline. A session whose record failed is not handed out again
    // while the record is missing: the next document starts another (the pipeline writes the record of one the
    // store could not take on its next use, once the store is writable again).
    this.ingest.startSession({
      id: sessionId,
      channel: this.channel,
      startedAt: now,
      userAgent: req.headers['user-agent'],
      clientIp,
    }).catch((err: unknown) => {
      this.lastActivity.delete(sessionId);
      this.confirmed.delete(sessionId);
      this.onError(err);
    });
    this.touch(sessionId);
    this.confirm(sessionId);
    this.prune(now);
    return { sessionId, token: this.tokens.issue(sessionId), isNew: true };
  }

  /** Cookie for the document response: a browser-session cookie; idleness is judged here, not by expiry. */
  cookieFor(token: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  private async isLive(sessionId: string, now: number): Promise<boolean> {
    if (this.ingest.isUnusable(sessionId)) return false;
    if (this.ingest.isUnrecorded(sessionId)) {
      await this.ingest.ready(sessionId);
      if (this.ingest.isUnrecorded(sessionId)) return false;
    }
    let last = this.lastActivity.get(sessionId);
    if (last === undefined || !this.confirmed.has(sessionId)) {
      // Reading the record also opens it with the session's key: a damaged key fails here.
      let session: Session | undefined;
      try {
        session = await this.ingest.store.getSession(sessionId);
      } catch (err) {
        if (isVerbatimError(err, 'SESSION_KEY_DAMAGED')) return false;
        // The store cannot answer now (full disk, not open yet): go by what this process saw, and ask again next time,
        // rather than start a session that could not be recorded either.
        return last !== undefined && now - last < this.idleMs;
      }
      if (!session) return false;
      this.confirm(sessionId);
      last ??= session.endedAt;
    }
    return now - last < this.idleMs;
  }

  private confirm(sessionId: string): void {
    this.confirmed.add(sessionId);
    if (this.confirmed.size > 50_000) this.confirmed.delete(this.confirmed.values().next().value!);
  }

  private prune(now: number): void {
    if (this.lastActivity.size < 10_000) return;
    for (const [id, at] of this.lastActivity) if (now - at > this.idleMs) this.lastActivity.delete(id);
  }
}
