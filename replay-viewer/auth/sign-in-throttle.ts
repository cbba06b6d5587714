/**
 * Slows password guessing down without handing anyone a way to lock a user out.
 *
 * Two counters, kept in memory (a restart forgets them):
 * - per client address: after `free` failures each further attempt waits twice as
 *   long as the one before, up to 15 minutes: one address cannot keep guessing;
 * - per user name, known or not (so a real account and a made-up name answer alike):
 *   the same backoff capped at one minute: guessing spread over many addresses gets
 *   one try a minute per account, and a stranger can at worst make `admin` wait a minute.
 *
 * begin() checks and counts in one synchronous step, before the password hash runs:
 * concurrent attempts cannot all pass a check that one of them has not counted yet.
 * An attempt counts as a failure until succeeded() says otherwise.
 */

export interface BackoffPolicy {
  /** Failures allowed before any wait. */
  free: number;
  /** The first wait; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
  /** A key with no failure for this long starts again from zero. */
  forgetMs: number;
}

export const CLIENT_BACKOFF: BackoffPolicy = { free: 10, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 15 * 60_000 };
export const ACCOUNT_BACKOFF: BackoffPolicy = { free: 5, baseMs: 1000, maxMs: 60_000, forgetMs: 15 * 60_000 };
/** Keys kept per counter; the oldest are dropped past it (memory stays bounded under a spray of names). */
const MAX_KEYS = 50_000;

interface Entry {
  failures: number;
  lastFailure: number;
}

class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: BackoffPolicy, private readonly now: () => number) {}

  /** Milliseconds before this key may try again (0: now). */
  wait(key: string): number {
    const e = this.live(key);
    if (!e || e.failures < this.policy.free) return 0;
    const delay = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (e.failures - this.policy.free));
    return Math.max(0, e.lastFailure + delay - this.now());
  }

  fail(key: string): void {
    const e = this.live(key) ?? { failures: 0, lastFailure: 0 };
    e.failures++;
    e.lastFailure = this.now();
    // Re-inserted so that Map order is oldest failure first.
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Takes back one provisional failure (a success from a client that still counts its other failures). */
  undo(key: string): void {
    const e = this.live(key);
    if (e && --e.failures <= 0) this.entries.delete(key);
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.lastFailure > this.policy.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}

export interface SignInAttempt {
  client: string;
  account: string;
}

export type Admission = { ok: true; attempt: SignInAttempt } | { ok: false; retryAfterMs: number };

export class SignInThrottle {
  private readonly clients: Backoff;
  private readonly accounts: Backoff;

  constructor(opts: { client?: BackoffPolicy; account?: BackoffPolicy; now?: () => number } = {}) {
    const now = opts.now ?? Date.now;
    this.clients = new Backoff(opts.client ?? CLIENT_BACKOFF, now);
    this.accounts = new Backoff(opts.account ?? ACCOUNT_BACKOFF, now);
  }

  /** Refuses, or admits the attempt and counts it as a failure (synchronously: no await between). */
  begin(client: string, account: string): Admission {
    const wait = Math.max(this.clients.wait(client), this.accounts.wait(account));
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    this.clients.fail(client);
    this.accounts.fail(account);
    return { ok: true, attempt: { client, account } };
  }

  /** The password was right: the account starts afresh; the client keeps its other failures. */
  succeeded(attempt: SignInAttempt): void {
    this.accounts.clear(attempt.account);
    this.clients.undo(attempt.client);
  }

  /** Milliseconds before this user name may try again (0: now), for the administrator's user list. */
  accountWait(account: string): number {
    return this.accounts.wait(account);
  }

  /** An administrator lifts the backoff of a user name. */
  clearAccount(account: string): void {
    this.accounts.clear(account);
  }
}
