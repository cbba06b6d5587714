/**
 * Slows password guessing down without handing anyone a way to lock a user out.
 *
 * Two counters, kept in memory:
 * - per client address: after `free` failures each further attempt waits twice as
 *   long as the one before, up to 15 minutes: one address cannot keep guessing;
 * - per user name, known or not (so a real account and a made-up name answer alike):
 *   the same backoff capped at one minute: guessing spread over many addresses gets
 *   one try a minute per account, and a stranger can at worst make `admin` wait a minute.
 *
 * begin() checks and counts in one synchronous step, before the password hash runs:
 * concurrent attempts cannot all pass a check that one of them has not counted yet.
 * An attempt counts as a failure until succeeded() says otherwise.
 *
 * Instances sharing a store share both counters (a guesser spread over N viewers, behind a round-robin balancer or
 * reached one by one, would otherwise get N times the tries): failures go to the shared document `sign-in-failures`,
 * read before each sign-in at most every `refreshMs`, and merged into this instance's counters. At most one attempt
 * per instance can pass between two reads. Names and addresses are kept there as HMACs (different labels, an address
 * key starting with `@`), so neither a password typed as a user name nor a client's address reaches the database.
 * The address is the socket's: viewers are reached directly by staff (docs/DEPLOYMENT.md), not through a balancer,
 * whose own address would otherwise stand for everyone behind it.
 */
import { createHmac } from 'node:crypto';
import { updateDocument, type SharedState } from '../../store/shared-state';

export const FAILURES_DOCUMENT = 'sign-in-failures';
/** User names, and separately addresses, kept in the shared document; the oldest failures go first (a spray of names
 * or addresses stays small, and one cannot push the other out). */
const MAX_SHARED = 5_000;
/** Starts an address's key in the shared document (a name's key is base64url, which has no `@`). */
const ADDRESS = '@';

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

  /** Another instance's count for the key: the larger one wins. */
  merge(key: string, remote: Entry): void {
    if (this.now() - remote.lastFailure > this.policy.forgetMs) return;
    const e = this.live(key);
    if (e && e.failures >= remote.failures) return;
    this.entries.delete(key);
    this.entries.set(key, { failures: remote.failures, lastFailure: Math.max(remote.lastFailure, e?.lastFailure ?? 0) });
  }

  entry(key: string): Entry | undefined {
    return this.live(key);
  }

  get forgetMs(): number {
    return this.policy.forgetMs;
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
  /** The per-address counter's key (the address, or its HMAC when shared). */
  client: string;
  /** The per-user-name counter's key (the name, or its HMAC when shared). */
  account: string;
}

export type Admission = { ok: true; attempt: SignInAttempt } | { ok: false; retryAfterMs: number };

export class SignInThrottle {
  private readonly clients: Backoff;
  private readonly accounts: Backoff;
  private readonly now: () => number;
  private readAt = -Infinity;

  constructor(private readonly opts: {
    client?: BackoffPolicy; account?: BackoffPolicy; now?: () => number;
    /**
     * The store's shared state: failures per user name and per address counted across instances. Both are kept
     * there as an HMAC under `key` (the instances' shared viewer-session key): whatever was typed as a user name (a
     * password, by mistake) never reaches the database as typed, nor does a client's address.
     */
    shared?: { state: SharedState; refreshMs: number; key: Buffer };
  } = {}) {
    this.now = opts.now ?? Date.now;
    this.clients = new Backoff(opts.client ?? CLIENT_BACKOFF, this.now);
    this.accounts = new Backoff(opts.account ?? ACCOUNT_BACKOFF, this.now);
  }

  /** The per-user-name counter's key: the name itself, or its HMAC when the counts are shared. */
  private nameKey(account: string): string {
    const key = this.opts.shared?.key;
    return key ? createHmac('sha256', key).update(`sign-in-name\n${account}`).digest('base64url').slice(0, 32) : account;
  }

  /** The per-address counter's key: the address itself, or `@` and its HMAC when the counts are shared. */
  private clientKey(client: string): string {
    const key = this.opts.shared?.key;
    return key ? ADDRESS + createHmac('sha256', key).update(`sign-in-address\n${client}`).digest('base64url').slice(0, 32) : client;
  }

  /** Merges the other instances' failures (before begin(); a failed read keeps this instance's own counts). */
  async sync(force = false): Promise<void> {
    const shared = this.opts.shared;
    if (!shared || (!force && performance.now() - this.readAt < shared.refreshMs)) return;
    const doc = await shared.state.getDocument(FAILURES_DOCUMENT).catch(() => undefined);
    if (!doc) return;
    for (const [name, e] of Object.entries(entriesOf(doc.value))) {
      if (name.startsWith(ADDRESS)) {
        if (e.failures > 0) this.clients.merge(name, e);
        continue;
      }
      // Lifted (a good password, an administrator) since this instance's last failure for it: lifted here too.
      const mine = this.accounts.entry(name);
      if (e.clearedAt !== undefined && mine && mine.lastFailure <= e.clearedAt) this.accounts.clear(name);
      if (e.failures > 0) this.accounts.merge(name, e);
    }
    this.readAt = performance.now();
  }

  /** A wrong password: the attempt's counts (begin() made them) for its name and address go to the shared document. */
  async failed(attempt: SignInAttempt): Promise<void> {
    const counts: [string, Entry | undefined][] = [[attempt.account, this.accounts.entry(attempt.account)], [attempt.client, this.clients.entry(attempt.client)]];
    if (counts.some(([, local]) => local)) await this.share((all) => {
      for (const [key, local] of counts) {
        if (!local) continue;
        const e = all[key];
        all[key] = {
          failures: Math.max(local.failures, e?.failures ?? 0), lastFailure: Math.max(local.lastFailure, e?.lastFailure ?? 0),
          ...(e?.clearedAt !== undefined ? { clearedAt: e.clearedAt } : {}),
        };
      }
    });
  }

  private async share(change: (all: Record<string, SharedEntry>) => void): Promise<void> {
    const shared = this.opts.shared;
    if (!shared) return;
    const t = this.now();
    await updateDocument(shared.state, FAILURES_DOCUMENT, (current) => {
      const all = entriesOf(current);
      change(all);
      const newest = (address: boolean): [string, SharedEntry][] => Object.entries(all)
        .filter(([k, e]) => k.startsWith(ADDRESS) === address && t - e.lastFailure <= (address ? this.clients : this.accounts).forgetMs)
        .sort((x, y) => y[1].lastFailure - x[1].lastFailure).slice(0, MAX_SHARED);
      return { value: Object.fromEntries([...newest(false), ...newest(true)]), result: undefined };
    }).catch(() => undefined);
  }

  /** Refuses, or admits the attempt and counts it as a failure (synchronously: no await between). */
  begin(address: string, account: string): Admission {
    const key = this.nameKey(account);
    const client = this.clientKey(address);
    const wait = Math.max(this.clients.wait(client), this.accounts.wait(key));
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    this.clients.fail(client);
    this.accounts.fail(key);
    return { ok: true, attempt: { client, account: key } };
  }

  /** The password was right: the account starts afresh (on every instance); the client keeps its other failures. */
  async succeeded(attempt: SignInAttempt): Promise<void> {
    const had = this.accounts.entry(attempt.account)?.failures ?? 0;
    this.accounts.clear(attempt.account);
    this.clients.undo(attempt.client);
    // Only when there was more than this attempt's own provisional count to forget: no write per good sign-in.
    if (had > 1) await this.share((all) => { all[attempt.account] = cleared(this.now()); });
  }

  /** Milliseconds before this user name may try again (0: now), for the administrator's user list. */
  accountWait(account: string): number {
    return this.accounts.wait(this.nameKey(account));
  }

  /** An administrator lifts the backoff of a user name, on every instance. */
  async clearAccount(name: string): Promise<void> {
    const account = this.nameKey(name);
    this.accounts.clear(account);
    await this.share((all) => { all[account] = cleared(this.now()); });
  }
}

/** A user name's entry in the shared document: its failures, and when they were last lifted. */
interface SharedEntry extends Entry {
  clearedAt?: number;
}

const cleared = (t: number): SharedEntry => ({ failures: 0, lastFailure: t, clearedAt: t });

/** The shared document's entries; anything malformed counts as no failure (never as a crash). */
function entriesOf(value: unknown): Record<string, SharedEntry> {
  const out = Object.create(null) as Record<string, SharedEntry>;
  if (!value || typeof value !== 'object') return out;
  for (const [name, e] of Object.entries(value)) {
    const v = (e ?? {}) as Partial<SharedEntry>;
    if (typeof v.failures !== 'number' || typeof v.lastFailure !== 'number' || v.failures < 0) continue;
    out[name] = { failures: v.failures, lastFailure: v.lastFailure, ...(typeof v.clearedAt === 'number' ? { clearedAt: v.clearedAt } : {}) };
  }
  return out;
}
