/**
 * Signed-in browser sessions, in memory (a restart signs everyone out): a random
 * id in an HttpOnly SameSite=Strict cookie, a CSRF token the UI echoes in a
 * header on every state-changing request, an idle and an absolute timeout.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'verbatim_viewer';

export interface WebSession {
  id: string;
  user: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

export class WebSessions {
  private readonly sessions = new Map<string, WebSession>();

  constructor(
    private readonly idleMs = 30 * 60_000,
    private readonly maxAgeMs = 12 * 60 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(user: string): WebSession {
    const t = this.now();
    const s: WebSession = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(24).toString('base64url'), createdAt: t, lastSeen: t };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string | undefined): WebSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > this.idleMs || t - s.createdAt > this.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Signs a user out everywhere (account removed, password changed). */
  destroyUser(user: string): void {
    for (const [id, s] of this.sessions) if (s.user === user) this.sessions.delete(id);
  }
}

export function cookieFor(id: string, secure: boolean, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
