/**
 * Session ids and the signed tokens that carry them. A token is
 * `<sessionId>.<hmac>`: the proxy can check it without a store read, and a page
 * cannot invent a session id it was not given. The cookie's token signs the
 * session id; the recorder's (in the page's script tag) signs the session id and
 * the origin that served the page, so uploads are accepted only on that origin:
 * a token read on one site cannot post events through another, and neither kind
 * stands in for the other.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { VerbatimError } from '../store/errors';
import { readOrCreateKeyFile } from '../store/key-file';

const SESSION_ID = /^[a-z2-7]{26}$/;

export function newSessionId(): string {
  return base32(randomBytes(16));
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

export class SessionTokens {
  /** token → session id, and session id → token: HMACs showed in per-request profiles. */
  private readonly verified = new Map<string, string>();
  private readonly issued = new Map<string, string>();
  /** `sessionId \n origin` → page token, both ways (one per document served, one per recorder upload). */
  private readonly pageTokens = new Map<string, string>();
  private readonly pagesVerified = new Map<string, string>();

  constructor(private readonly secret: Buffer) {}

  /** Loads the signing secret from the key dir (default <data>/keys), creating it (0600) on first start. */
  static async load(dataDir: string, keysDir = path.join(dataDir, 'keys')): Promise<SessionTokens> {
    const file = path.join(keysDir, 'session-token.key');
    const text = await readOrCreateKeyFile(file, () => randomBytes(32).toString('base64'));
    return new SessionTokens(Buffer.from(text.toString('utf8').trim(), 'base64'));
  }

  issue(sessionId: string): string {
    const token = `${sessionId}.${this.sign(sessionId)}`;
    this.remember(token, sessionId);
    return token;
  }

  /** The token for a session already verified or issued, without another HMAC. */
  tokenFor(sessionId: string): string {
    return this.issued.get(sessionId) ?? this.issue(sessionId);
  }

  /** The session id inside a valid token, or undefined for anything malformed or forged. */
  sessionOf(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const hit = this.verified.get(token);
    if (hit) return hit;
    const dot = token.indexOf('.');
    const id = token.slice(0, dot);
    if (dot < 0 || !isSessionId(id)) return undefined;
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(id));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    this.remember(token, id);
    return id;
  }

  /** The token for a page's recorder: bound to the session and to the origin (`scheme://host[:port]`) that served the page. */
  pageToken(sessionId: string, origin: string): string {
    const key = `${sessionId}\n${origin}`;
    let token = this.pageTokens.get(key);
    if (!token) {
      token = `${sessionId}.${this.sign(pageMessage(sessionId, origin))}`;
      if (this.pageTokens.size > 50_000) this.pageTokens.clear();
      this.pageTokens.set(key, token);
    }
    return token;
  }

  /** The session a recorder upload arriving on `origin` proves with its page token; says why when it does not. */
  requirePageSession(token: unknown, origin: string): string {
    if (typeof token !== 'string' || token.length > 200) {
      throw new VerbatimError('PAYLOAD_INVALID', 'missing or malformed session token');
    }
    const known = this.pagesVerified.get(`${token}\n${origin}`);
    if (known) return known;
    const dot = token.indexOf('.');
    const id = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = dot > 0 && isSessionId(id) ? Buffer.from(this.sign(pageMessage(id, origin))) : undefined;
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new VerbatimError('SESSION_FORGED', 'session token signature does not match this session and origin', { origin });
    }
    if (this.pagesVerified.size > 50_000) this.pagesVerified.clear();
    this.pagesVerified.set(`${token}\n${origin}`, id);
    return id;
  }

  private remember(token: string, sessionId: string): void {
    if (this.verified.size > 50_000) { this.verified.clear(); this.issued.clear(); }
    this.verified.set(token, sessionId);
    this.issued.set(sessionId, token);
  }

  private sign(message: string): string {
    return createHmac('sha256', this.secret).update(message).digest('base64url').slice(0, 22);
  }
}

/** What a page token signs: a session id alone is what a cookie token signs, so the two never match. */
function pageMessage(sessionId: string, origin: string): string {
  return `page\n${sessionId}\n${origin}`;
}

function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
