/**
 * Per-account viewer preferences: one document (`viewer-prefs`, `{ users: { <name>: prefs } }`) in the store's
 * shared state, beside the accounts, so every viewer instance over one store shows a user the same columns. With
 * the embedded store that is `<data>/viewer-prefs.json` (mode 0600), the file it always was. Each change is a
 * compare-and-swap of the whole document (store/shared-state.ts), so two viewers, or two tabs, never drop each
 * other's changes.
 */
import { updateDocument, type SharedState } from '../../store/shared-state';
import { DEFAULT_PREFS, parsePrefs, type UserPrefs } from './prefs-shape';

export const PREFS_DOCUMENT = 'viewer-prefs';
/** The embedded store's file of that document (in the data directory). */
export const PREFS_FILE = `${PREFS_DOCUMENT}.json`;

export class UserPrefsStore {
  constructor(private readonly state: SharedState) {}

  async get(user: string): Promise<UserPrefs> {
    const stored = usersOf((await this.state.getDocument(PREFS_DOCUMENT))?.value)[user];
    const parsed = stored === undefined ? undefined : parsePrefs(stored);
    // A hand-edited or older entry that no longer parses falls back to the defaults rather than failing the page.
    return parsed && !('error' in parsed) ? parsed : { ...DEFAULT_PREFS, listColumns: [...DEFAULT_PREFS.listColumns] };
  }

  async set(user: string, prefs: UserPrefs): Promise<UserPrefs> {
    await updateDocument(this.state, PREFS_DOCUMENT, (current) => {
      const users = usersOf(current);
      users[user] = prefs;
      return { value: { users }, result: undefined };
    });
    return prefs;
  }
}

/** The users' entries, with a null prototype: a user named __proto__ is a key like any other. */
function usersOf(value: unknown): Record<string, unknown> {
  const users = value && typeof value === 'object' ? (value as { users?: unknown }).users : undefined;
  return Object.assign(Object.create(null) as Record<string, unknown>, users && typeof users === 'object' ? users : {});
}
