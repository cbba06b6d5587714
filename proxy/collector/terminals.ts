/**
 * Kiosk terminals allowed to upload to the collector. Each terminal has one
 * bearer token (32 random bytes, base64url) shown once at `verbatim terminals
 * add`; only its SHA-256 is kept, in <data>/terminals.json (mode 0600). A
 * 256-bit random token needs no slow hash: guessing it is infeasible anyway.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { VerbatimError } from '../../store/errors';

export const TERMINAL_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export interface TerminalRecord {
  id: string;
  /** Hex SHA-256 of the token. */
  tokenHash: string;
  createdAt: number;
  revokedAt?: number;
}

interface TerminalsFile {
  version: 1;
  terminals: TerminalRecord[];
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TerminalRegistry {
  constructor(readonly file: string) {}

  async list(): Promise<TerminalRecord[]> {
    return (await this.load()).terminals;
  }

  /** Issues a new token (replacing any earlier one of the same terminal); returns it once. */
  async add(id: string, now = Date.now()): Promise<string> {
    if (!TERMINAL_ID.test(id)) throw new VerbatimError('BAD_REQUEST', 'terminal id must be 1-64 characters [A-Za-z0-9_.-]');
    const data = await this.load();
    const token = randomBytes(32).toString('base64url');
    data.terminals = data.terminals.filter((t) => t.id !== id);
    data.terminals.push({ id, tokenHash: hashToken(token).toString('hex'), createdAt: now });
    await this.save(data);
    return token;
  }

  /** Returns false when the terminal is unknown. */
  async revoke(id: string, now = Date.now()): Promise<boolean> {
    const data = await this.load();
    const t = data.terminals.find((x) => x.id === id);
    if (!t) return false;
    t.revokedAt ??= now;
    await this.save(data);
    return true;
  }

  /** The terminal a bearer token belongs to, or undefined (unknown or revoked). */
  async verify(token: string): Promise<string | undefined> {
    if (!token) return undefined;
    const digest = hashToken(token);
    let found: string | undefined;
    // Compare against every entry in constant time per entry.
    for (const t of (await this.load()).terminals) {
      const stored = Buffer.from(t.tokenHash, 'hex');
      if (stored.length === digest.length && timingSafeEqual(stored, digest) && t.revokedAt === undefined) found = t.id;
    }
    return found;
  }

  private async load(): Promise<TerminalsFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, terminals: [] };
      throw err;
    }
    try {
      const data = JSON.parse(text) as TerminalsFile;
      if (!Array.isArray(data.terminals)) throw new Error('terminals missing');
      return data;
    } catch {
      throw new VerbatimError('CONFIG_INVALID', 'terminals file is not valid', { file: this.file });
    }
  }

  private async save(data: TerminalsFile): Promise<void> {
    // Write-then-rename: a crash never leaves half a file (and so no lost terminals).
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }
}
