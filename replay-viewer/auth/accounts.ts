/**
 * Local viewer accounts in one JSON file (<data>/viewer-accounts.json, mode 0600):
 * scrypt password hashes and API tokens (stored as SHA-256 of the secret; the
 * secret is shown once). Repeated failures are slowed down by the sign-in
 * throttle (sign-in-throttle.ts), in memory, never by a lock kept here.
 *
 * `verbatim start` and `verbatim users …` change the file while both run: every change
 * re-reads the file under a lock (file-lock.ts) and writes it whole (temp file, fsync,
 * rename), so neither drops the other's accounts; a running server sees a change made
 * elsewhere at its next request (`refresh()`, a stat).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { VerbatimError } from '../../store/errors';
import { withFileLock } from './file-lock';
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
  private writing: Promise<unknown> = Promise.resolve();
  /** What the file was when last read or written (size, mtime, inode): another process's write changes it. */
  private seen = '';

  private constructor(readonly file: string, private readonly now: () => number) {}

  static async open(file: string, options: { now?: () => number } = {}): Promise<AccountStore> {
    const store = new AccountStore(file, options.now ?? Date.now);
    await store.load();
    // Made now, so that the first unknown user name costs no more than a wrong password.
    await dummyHash();
    return store;
  }

  /** Re-reads the file when another process changed it since (a stat when it did not). */
  async refresh(): Promise<void> {
    if ((await this.stamp()) !== this.seen) await this.load();
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
    await this.refresh();
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
   * One change: under the file's lock, re-read what any process wrote, apply `edit` to it and write the result
   * (nothing when `edit` throws). Serialised in this process too, so the lock is never asked for twice at once.
   */
  private change<T>(edit: () => T): Promise<T> {
    const result = this.writing.catch(() => undefined).then(() => withFileLock(this.file, async () => {
      await this.load();
      const before = JSON.stringify([...this.accounts.values()]);
      const out = edit();
      if (JSON.stringify([...this.accounts.values()]) !== before) await this.write();
      return out;
    }));
    this.writing = result;
    return result;
  }

  private async load(): Promise<void> {
    const accounts = new Map<string, Account>();
    let stamp = '';
    try {
      stamp = await this.stamp();
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as { accounts?: Account[] };
      for (const a of raw.accounts ?? []) {
        if (!a || !NAME.test(a.name) || !isRole(a.role)) continue;
        // Only the known fields (files written before the throttle also held a lock state).
        const { name, role, passwordHash, createdAt, tokens } = a;
        accounts.set(name, { name, role, passwordHash, createdAt, tokens: Array.isArray(tokens) ? tokens : [] });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new VerbatimError('CONFIG_INVALID', `cannot read ${this.file}`, {}, { cause: err });
    }
    this.accounts = accounts;
    this.seen = stamp;
  }

  private async write(): Promise<void> {
    const body = JSON.stringify({ accounts: [...this.accounts.values()] }, null, 1);
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    this.seen = await this.stamp();
  }

  private async stamp(): Promise<string> {
    try {
      const st = await stat(this.file, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
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
