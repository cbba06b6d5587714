/**
 * Per-account viewer preferences in one JSON file next to the accounts (<data>/viewer-prefs.json, mode 0600), keyed
 * by user name. Each change re-reads the file under the same kind of lock as the accounts (../auth/file-lock.ts) and
 * writes it whole (temp file, fsync, rename), so two viewers, or two tabs, never drop each other's changes. Reads
 * go to the file each time: it is small and read once per page.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { VerbatimError } from '../../store/errors';
import { withFileLock } from '../auth/file-lock';
import { DEFAULT_PREFS, parsePrefs, type UserPrefs } from './prefs-shape';

export const PREFS_FILE = 'viewer-prefs.json';

export class UserPrefsStore {
  constructor(readonly file: string) {}

  async get(user: string): Promise<UserPrefs> {
    const stored = (await this.read())[user];
    const parsed = stored === undefined ? undefined : parsePrefs(stored);
    // A hand-edited or older entry that no longer parses falls back to the defaults rather than failing the page.
    return parsed && !('error' in parsed) ? parsed : { ...DEFAULT_PREFS, listColumns: [...DEFAULT_PREFS.listColumns] };
  }

  async set(user: string, prefs: UserPrefs): Promise<UserPrefs> {
    // The lock lives beside the file: its directory first.
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    return withFileLock(this.file, async () => {
      const all = await this.read();
      all[user] = prefs;
      await this.write(all);
      return prefs;
    });
  }

  private async read(): Promise<Record<string, unknown>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new VerbatimError('CONFIG_INVALID', `cannot read ${this.file}`, {}, { cause: err });
    }
    try {
      const v = JSON.parse(text) as unknown;
      const users = v && typeof v === 'object' ? (v as { users?: unknown }).users : undefined;
      // A null prototype: a user named __proto__ is a key like any other.
      return Object.assign(Object.create(null) as Record<string, unknown>, users && typeof users === 'object' ? users : {});
    } catch (err) {
      throw new VerbatimError('CONFIG_INVALID', `${this.file} is not valid JSON`, {}, { cause: err });
    }
  }

  private async write(users: Record<string, unknown>): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ users }, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
  }
}
