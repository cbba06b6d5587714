/**
 * Signed-in browser sessions that every viewer instance sharing a store honours: a cookie another instance issued
 * is accepted here, and a sign-out anywhere holds everywhere (within the shared state's refresh, 2 s over a
 * database).
 *
 * The cookie carries the session itself, signed: `<payload>.<HMAC-SHA256>` with the payload a random id, the user,
 * the creation time and the last time it was used. So no instance keeps a table of sessions, and a load balancer
 * need not be sticky. The signing key is `viewer-session.key` in the key directory the instances share, like the
 * recorder's session-token key. What a signature cannot say (this session ended, this user was signed out
 * everywhere) is in one small shared document, `viewer-signouts`, pruned of entries older than the longest session.
 * The CSRF token is an HMAC of the session id: every instance derives the same one without storing it.
 *
 * Idle timeout: a session unused for `idleMs` is refused. Its last use is in the cookie, renewed (a new
 * Set-Cookie) when it is older than a minute, so the idle clock has one-minute steps and no write per request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { VerbatimError } from '../../store/errors';
import { readOrCreateKeyFile } from '../../store/key-file';
import { updateDocument, type SharedState } from '../../store/shared-state';

export const SESSION_COOKIE = 'verbatim_viewer';
export const SIGNOUTS_DOCUMENT = 'viewer-signouts';
export const WEB_SESSION_KEY_FILE = 'viewer-session.key';
/** The cookie's Max-Age: the longest a session lives (the server refuses it after `maxAgeMs` anyway). */
export const SESSION_MAX_AGE_S = 12 * 3600;
/** A cookie's last use is rewritten at most this often (the idle timeout's step). */
const RENEW_AFTER_MS = 60_000;

export interface WebSession {
  id: string;
  user: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
  /** The cookie value: what the browser sends back. */
  token: string;
  /** A renewed cookie value when `lastSeen` moved on (the gate sends it as a new Set-Cookie). */
  renewed?: string;
}

/** The shared document: ended sessions (id → when the entry may go) and users signed out everywhere (user → when). */
interface SignOuts {
  ids: Record<string, number>;
  users: Record<string, number>;
}

export interface WebSessionOptions {
  /** HMAC key, shared by every instance (loadWebSessionKey); a random one keeps sessions to this process. */
  key?: Buffer;
  /** Where sign-outs are shared; without it they hold in this process only. */
  state?: SharedState;
  /** How long a read of the sign-outs is trusted before asking again (0: every request). */
  refreshMs?: number;
  idleMs?: number;
  maxAgeMs?: number;
  now?: () => number;
}

export class WebSessions {
  private readonly key: Buffer;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private signOuts: SignOuts = emptySignOuts();
  private readAt = -Infinity;

  constructor(private readonly opts: WebSessionOptions = {}) {
    this.key = opts.key ?? randomBytes(32);
    this.idleMs = opts.idleMs ?? 30 * 60_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 60 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  create(user: string): WebSession {
    const t = this.now();
    return this.session(randomBytes(18).toString('base64url'), user, t, t);
  }

  /** Re-reads the shared sign-outs when the cached read is older than `refreshMs` (the gate calls it per request). */
  async refresh(force = false): Promise<void> {
    const state = this.opts.state;
    if (!state || (!force && performance.now() - this.readAt < (this.opts.refreshMs ?? 0))) return;
    const doc = await state.getDocument(SIGNOUTS_DOCUMENT);
    this.signOuts = parseSignOuts(doc?.value);
    this.readAt = performance.now();
  }

  /** The session a cookie value names, or undefined for anything forged, expired or signed out. */
  get(token: string | undefined): WebSession | undefined {
    const claims = token ? this.verify(token) : undefined;
    if (!claims) return undefined;
    const t = this.now();
    if (t - claims.s > this.idleMs || t - claims.c > this.maxAgeMs || claims.c > t + 60_000) return undefined;
    if (this.signOuts.ids[claims.i] !== undefined) return undefined;
    const out = this.signOuts.users[claims.u];
    if (out !== undefined && claims.c <= out) return undefined;
    const session = this.session(claims.i, claims.u, claims.c, claims.s, token);
    if (t - claims.s >= RENEW_AFTER_MS) session.renewed = this.session(claims.i, claims.u, claims.c, t).token;
    return session;
  }

  /** Ends one session on every instance. */
  async destroy(id: string): Promise<void> {
    const until = this.now() + this.maxAgeMs;
    this.signOuts.ids[id] = until;
    await this.change((s) => { s.ids[id] = until; });
  }

  /** Signs a user out everywhere (account removed, role or password changed): sessions created until now end. */
  async destroyUser(user: string): Promise<void> {
    const at = this.now();
    this.signOuts.users[user] = at;
    await this.change((s) => { s.users[user] = Math.max(s.users[user] ?? 0, at); });
  }

  private async change(apply: (s: SignOuts) => void): Promise<void> {
    const state = this.opts.state;
    if (!state) return;
    const t = this.now();
    const { result } = await updateDocument(state, SIGNOUTS_DOCUMENT, (current) => {
      const s = parseSignOuts(current);
      apply(s);
      // Entries no cookie can outlive: an id past its session's end, a user sign-out older than any session.
      for (const [id, until] of Object.entries(s.ids)) if (until < t) delete s.ids[id];
      for (const [user, at] of Object.entries(s.users)) if (at < t - this.maxAgeMs) delete s.users[user];
      return { value: s, result: s };
    });
    this.signOuts = result;
    this.readAt = performance.now();
  }

  private session(id: string, user: string, createdAt: number, lastSeen: number, token?: string): WebSession {
    const payload = Buffer.from(JSON.stringify({ i: id, u: user, c: createdAt, s: lastSeen })).toString('base64url');
    return {
      id, user, createdAt, lastSeen,
      csrf: this.mac(`csrf\n${id}`).slice(0, 32),
      token: token ?? `${payload}.${this.mac(`session\n${payload}`)}`,
    };
  }

  private verify(token: string): { i: string; u: string; c: number; s: number } | undefined {
    if (token.length > 1024) return undefined;
    const dot = token.indexOf('.');
    if (dot < 1) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(`session\n${payload}`));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const ok = typeof c.i === 'string' && typeof c.u === 'string' && Number.isFinite(c.c) && Number.isFinite(c.s);
      return ok ? c as { i: string; u: string; c: number; s: number } : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

function emptySignOuts(): SignOuts {
  return { ids: Object.create(null) as Record<string, number>, users: Object.create(null) as Record<string, number> };
}

/** A document another version or a hand edit left in another shape counts as no sign-outs, never as a crash. */
function parseSignOuts(value: unknown): SignOuts {
  const out = emptySignOuts();
  const v = value && typeof value === 'object' ? value as Partial<SignOuts> : {};
  for (const key of ['ids', 'users'] as const) {
    const entries = v[key] && typeof v[key] === 'object' ? Object.entries(v[key]!) : [];
    for (const [k, at] of entries) if (typeof at === 'number') out[key][k] = at;
  }
  return out;
}

/**
 * The key every instance signs viewer cookies with: `viewer-session.key` (0600) in the shared key directory,
 * created on first start. Two instances with different key directories sign each other's users out: the README's
 * deployment section says to share one.
 */
export async function loadWebSessionKey(keysDir: string): Promise<Buffer> {
  const file = path.join(keysDir, WEB_SESSION_KEY_FILE);
  const key = Buffer.from((await readOrCreateKeyFile(file, () => randomBytes(32).toString('base64'))).toString('utf8').trim(), 'base64');
  if (key.length < 32) throw new VerbatimError('CONFIG_INVALID', `${file} holds no 32-byte key: remove it to have a new one made (every viewer user then signs in again)`, { file });
  return key;
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
