/**
 * Viewer accounts: scrypt password hashes and API tokens (stored as SHA-256 of the secret; the secret is shown once),
 * one shared document (`viewer-accounts`) in the store's shared state (store/shared-state.ts): with the embedded
 * store the file <data>/viewer-accounts.json (mode 0600), with PostgreSQL a row every viewer instance reads.
 * Repeated failures are slowed down by the sign-in throttle (sign-in-throttle.ts), in memory, never by a lock here.
 *
 * `verbatim start` instances and `verbatim users …` change it while they all run: every change re-reads the
 * document and writes it with compare-and-swap, retried on the fresh value when another writer came first, so none
 * drops another's accounts. A running server sees a change made elsewhere at its next request: with the file at
 * once (a stat), from a database at most `refreshMs` later (one small query then, not one per request); sign-in
 * always reads afresh, so a user added on one instance can sign in on another at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { VerbatimError } from '../../store/errors';
import { FileSharedState } from '../../store/files/file-shared-state';
import { updateDocument, type SharedState } from '../../store/shared-state';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import { isRole, type Role } from './roles';

/** The shared document holding the accounts (with files: <data>/viewer-accounts.json). */
export const ACCOUNTS_DOCUMENT = 'viewer-accounts';

export interface ApiToken {
  id: string;
  label: string;
  hash: string;
  createdAt: number;
}

export interface Account {
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
  tokens: ApiToken[];
}

export type PublicAccount = Omit<Account, 'passwordHash' | 'tokens'> & { tokens: Omit<ApiToken, 'hash'>[] };

export const MIN_PASSWORD_LENGTH = 12;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface AccountSource {
  state: SharedState;
  /** This instance's data directory: what stays per instance (user preferences) lives there. */
  dataDir: string;
  /** How long a read of the accounts is trusted before the next request re-reads them (0: every request). */
  refreshMs?: number;
}

export class AccountStore {
  private accounts = new Map<string, Account>();
  private writing: Promise<unknown> = Promise.resolve();
  /** The document's version when last read or written: another writer's change has another. */
  private version: string | undefined;
  private readAt = -Infinity;
  /** False until the accounts were read once: a store unreachable at start is not "no accounts" (open mode). */
  private everRead = false;

  private constructor(
    /** Where the accounts live: the viewer keeps its users' preferences beside them. */
    readonly state: SharedState, private readonly document: string, readonly dataDir: string,
    private readonly refreshMs: number, private readonly now: () => number,
  ) {}

  /**
   * A file (`<dir>/<name>.json`: tests, and what the embedded store's <data>/viewer-accounts.json is) or the store's
   * shared state.
   */
  static async open(source: string | AccountSource, options: { now?: () => number; unreadableAtStart?: 'throw' | 'retry' } = {}): Promise<AccountStore> {
    const store = typeof source === 'string'
      ? new AccountStore(new FileSharedState(path.dirname(source)), path.basename(source, '.json'), path.dirname(source), 0, options.now ?? Date.now)
      : new AccountStore(source.state, ACCOUNTS_DOCUMENT, source.dataDir, source.refreshMs ?? 0, options.now ?? Date.now);
    // `retry`: an instance started while its database is down serves pages unrecorded meanwhile; its viewer refuses
    // sign-ins (503) and reads the accounts on the next request once the store answers.
    await store.load().catch((err: unknown) => {
      if (options.unreadableAtStart !== 'retry' || !(err instanceof VerbatimError && err.code === 'STORE_NOT_OPEN')) throw err;
    });
    // Made now, so that the first unknown user name costs no more than a wrong password.
    await dummyHash();
    return store;
  }

  /** Re-reads the accounts when another writer may have changed them (at most every `refreshMs`). */
  async refresh(force = false): Promise<void> {
    if (!force && this.everRead && this.refreshMs > 0 && performance.now() - this.readAt < this.refreshMs) return;
    await this.load();
  }

  /** Whether the accounts were ever read (see `everRead`). */
  get read(): boolean {
    return this.everRead;
  }

  get size(): number {
    return this.accounts.size;
  }

  get(name: string): Account | undefined {
    return this.accounts.get(name);
  }

  list(): PublicAccount[] {
    return [...this.accounts.values()].map(toPublic);
  }

  async add(name: string, role: Role, password: string): Promise<PublicAccount> {
    if (!NAME.test(name)) throw new VerbatimError('BAD_REQUEST', 'user names are 1-64 characters a-z 0-9 . _ -');
    if (!isRole(role)) throw new VerbatimError('BAD_REQUEST', 'unknown role');
    if (this.accounts.has(name)) throw new VerbatimError('BAD_REQUEST', 'that user exists');
    checkPassword(password);
    const passwordHash = await hashPassword(password); // outside the lock: scrypt takes ~100 ms
    return this.change(() => {
      if (this.accounts.has(name)) throw new VerbatimError('BAD_REQUEST', 'that user exists');
      const account: Account = { name, role, passwordHash, createdAt: this.now(), tokens: [] };
      this.accounts.set(name, account);
      return toPublic(account);
    });
  }

  remove(name: string): Promise<boolean> {
    return this.change(() => this.accounts.delete(name));
  }

  async setRole(name: string, role: Role): Promise<void> {
    if (!isRole(role)) throw new VerbatimError('BAD_REQUEST', 'unknown role');
    await this.change(() => {
      this.require(name).role = role;
    });
  }

  async setPassword(name: string, password: string): Promise<void> {
    this.require(name);
    checkPassword(password);
    const passwordHash = await hashPassword(password);
    await this.change(() => {
      this.require(name).passwordHash = passwordHash;
    });
  }

  /**
   * The account, when the password is its own. An unknown name costs the same scrypt
   * work and writes nothing, like a wrong password: the two cannot be told apart.
   */
  async signIn(name: string, password: string): Promise<Account | undefined> {
    await this.refresh(true);
    const a = this.accounts.get(name);
    const ok = await verifyPassword(password, a ? a.passwordHash : await dummyHash());
    return ok && a ? a : undefined;
  }

  /** A new API token: "vbt_<id>_<secret>", returned once. */
  createToken(name: string, label: string): Promise<{ id: string; token: string }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    return this.change(() => {
      this.require(name).tokens.push({ id, label: label.slice(0, 100), hash: sha256(secret), createdAt: this.now() });
      return { id, token: `vbt_${id}_${secret}` };
    });
  }

  revokeToken(name: string, id: string): Promise<boolean> {
    return this.change(() => {
      const a = this.require(name);
      const before = a.tokens.length;
      a.tokens = a.tokens.filter((t) => t.id !== id);
      return a.tokens.length !== before;
    });
  }

  /** The account an API token belongs to. */
  byToken(token: string): Account | undefined {
    const m = /^vbt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const hash = Buffer.from(sha256(m[2]!), 'hex');
    for (const a of this.accounts.values()) {
      for (const t of a.tokens) {
        if (t.id === m[1] && timingSafeEqual(Buffer.from(t.hash, 'hex'), hash)) return a;
      }
    }
    return undefined;
  }

  private require(name: string): Account {
    const a = this.accounts.get(name);
    if (!a) throw new VerbatimError('NOT_FOUND', 'no such user');
    return a;
  }

  /**
   * One change: on the accounts as stored now (re-read), apply `edit` and write the result with compare-and-swap
   * (nothing when `edit` throws or changes nothing); another writer's change in between makes it re-read and re-apply.
   * Serialised in this process too, so this process never races itself.
   */
  private change<T>(edit: () => T): Promise<T> {
    const result = this.writing.catch(() => undefined).then(async () => {
      const { result: out, version } = await updateDocument(this.state, this.document, (current) => {
        this.accounts = parseAccounts(current);
        const before = JSON.stringify([...this.accounts.values()]);
        const value = edit();
        const after = [...this.accounts.values()];
        return JSON.stringify(after) === before ? { unchanged: true, result: value } : { value: { accounts: after }, result: value };
      });
      this.version = version;
      this.readAt = performance.now();
      return out;
    }).catch((err: unknown) => {
      // The map may hold an edit that was not written: the next read takes the stored accounts whatever their version.
      this.version = undefined;
      this.readAt = -Infinity;
      throw err;
    });
    this.writing = result;
    return result;
  }

  private async load(): Promise<void> {
    const doc = await this.state.getDocument(this.document);
    this.readAt = performance.now();
    this.everRead = true;
    if (doc !== undefined && doc.version === this.version) return;
    this.accounts = parseAccounts(doc?.value);
    this.version = doc?.version;
  }
}

/** Only the known fields of well-formed accounts (files written before the throttle also held a lock state). */
function parseAccounts(raw: unknown): Map<string, Account> {
  const accounts = new Map<string, Account>();
  const list = (raw as { accounts?: unknown } | undefined)?.accounts;
  for (const a of Array.isArray(list) ? list as Account[] : []) {
    if (!a || !NAME.test(a.name) || !isRole(a.role)) continue;
    const { name, role, passwordHash, createdAt, tokens } = a;
    accounts.set(name, { name, role, passwordHash, createdAt, tokens: Array.isArray(tokens) ? tokens : [] });
  }
  return accounts;
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new VerbatimError('BAD_REQUEST', `passwords need at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function toPublic(a: Account): PublicAccount {
  return {
    name: a.name, role: a.role, createdAt: a.createdAt,
    tokens: a.tokens.map(({ id, label, createdAt }) => ({ id, label, createdAt })),
  };
}
