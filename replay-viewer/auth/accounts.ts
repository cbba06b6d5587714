/**
 * Local viewer accounts in one JSON file (<data>/viewer-accounts.json, mode 0600):
 * scrypt password hashes and API tokens (stored as SHA-256 of the secret; the
 * secret is shown once). Repeated failures are slowed down by the sign-in
 * throttle (sign-in-throttle.ts), in memory, never by a lock kept here.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VerbatimError } from '../../store/errors';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import { isRole, type Role } from './roles';

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

export class AccountStore {
  private accounts = new Map<string, Account>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly file: string, private readonly now: () => number) {}

  static async open(file: string, options: { now?: () => number } = {}): Promise<AccountStore> {
    const store = new AccountStore(file, options.now ?? Date.now);
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as { accounts?: Account[] };
      for (const a of raw.accounts ?? []) {
        if (!a || !NAME.test(a.name) || !isRole(a.role)) continue;
        // Only the known fields (files written before the throttle also held a lock state).
        const { name, role, passwordHash, createdAt, tokens } = a;
        store.accounts.set(name, { name, role, passwordHash, createdAt, tokens: Array.isArray(tokens) ? tokens : [] });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new VerbatimError('CONFIG_INVALID', `cannot read ${file}`, {}, { cause: err });
    }
    // Made now, so that the first unknown user name costs no more than a wrong password.
    await dummyHash();
    return store;
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
    const account: Account = { name, role, passwordHash: await hashPassword(password), createdAt: this.now(), tokens: [] };
    this.accounts.set(name, account);
    await this.save();
    return toPublic(account);
  }

  async remove(name: string): Promise<boolean> {
    const existed = this.accounts.delete(name);
    if (existed) await this.save();
    return existed;
  }

  async setRole(name: string, role: Role): Promise<void> {
    const a = this.require(name);
    if (!isRole(role)) throw new VerbatimError('BAD_REQUEST', 'unknown role');
    a.role = role;
    await this.save();
  }

  async setPassword(name: string, password: string): Promise<void> {
    const a = this.require(name);
    checkPassword(password);
    a.passwordHash = await hashPassword(password);
    await this.save();
  }

  /**
   * The account, when the password is its own. An unknown name costs the same scrypt
   * work and writes nothing, like a wrong password: the two cannot be told apart.
   */
  async signIn(name: string, password: string): Promise<Account | undefined> {
    const a = this.accounts.get(name);
    const ok = await verifyPassword(password, a ? a.passwordHash : await dummyHash());
    return ok && a ? a : undefined;
  }

  /** A new API token: "vbt_<id>_<secret>", returned once. */
  async createToken(name: string, label: string): Promise<{ id: string; token: string }> {
    const a = this.require(name);
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    a.tokens.push({ id, label: label.slice(0, 100), hash: sha256(secret), createdAt: this.now() });
    await this.save();
    return { id, token: `vbt_${id}_${secret}` };
  }

  async revokeToken(name: string, id: string): Promise<boolean> {
    const a = this.require(name);
    const before = a.tokens.length;
    a.tokens = a.tokens.filter((t) => t.id !== id);
    if (a.tokens.length !== before) await this.save();
    return a.tokens.length !== before;
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

  private save(): Promise<void> {
    const body = JSON.stringify({ accounts: [...this.accounts.values()] }, null, 1);
    this.writing = this.writing.catch(() => undefined).then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, this.file);
    });
    return this.writing;
  }
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
