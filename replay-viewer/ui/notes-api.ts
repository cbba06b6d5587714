/** Typed access to the notes API (replay-viewer/notes/notes-routes.ts); changes carry the CSRF token from /api/me. */
import type { ApiNote } from '../notes/notes-routes';
import { call, seg } from './api-call';

export type { ApiNote };

const base = (sessionId: string) => `/api/sessions/${seg(sessionId)}/notes`;

export const listNotes = async (sessionId: string): Promise<ApiNote[]> => (await call<{ notes: ApiNote[] }>('GET', base(sessionId))).notes;
export const addNote = async (sessionId: string, note: { text: string; at: number; pageId?: string; track?: number }): Promise<ApiNote> =>
  (await call<{ note: ApiNote }>('POST', base(sessionId), note)).note;
export const editNote = async (sessionId: string, noteId: string, text: string): Promise<ApiNote> =>
  (await call<{ note: ApiNote }>('PATCH', `${base(sessionId)}/${seg(noteId)}`, { text })).note;
export const deleteNote = (sessionId: string, noteId: string): Promise<unknown> => call('DELETE', `${base(sessionId)}/${seg(noteId)}`);
