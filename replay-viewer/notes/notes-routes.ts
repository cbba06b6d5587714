/**
 * Notes on a session at a moment (declared in ../routes.ts): `GET/POST /api/sessions/:id/notes`,
 * `PATCH/DELETE /api/sessions/:id/notes/:noteId`. Whoever may replay a session reads and adds its notes (agents only
 * on customer-linked sessions, as for replay: the gate checks that); the author edits and deletes their own, and a
 * role with `notes.moderate` (compliance) may delete anyone's (a note that should not have been written) but edits
 * none. Every read and change is audited with the note's id, moment and length, never its text. The text is masked
 * before it is kept (a card number typed into a note never reaches the disk) and is returned as plain text; the
 * store keeps it sealed with the session's key and erases it with the session.
 */
import { randomBytes } from 'node:crypto';
import { readJson } from '../../store/bounded-json';
import { VerbatimError } from '../../store/errors';
import type { Session, SessionNote } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import type { Principal } from '../auth/principal';
import { can } from '../auth/roles';
import { sendJson } from '../http-responses';
import { isValidSessionId } from '../replay/index';
import type { RouteContext } from '../route-table';
import { MAX_NOTE_LENGTH } from './note-limits';

export { MAX_NOTE_LENGTH };
/** A note's moment may sit a little outside the recorded span (the player's first frame, clock rounding). */
const MOMENT_SLACK_MS = 60_000;
const BODY_LIMIT = 16 * 1024;
const NOTE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A note as the API answers it: what the caller may do with it is said, the UI only follows. */
export type ApiNote = SessionNote & { canEdit: boolean; canDelete: boolean };

export interface NotesOptions {
  /** The project's masker (proxy/masking, injected by the CLI): card numbers and IBANs typed into a note are masked. Without it, notes are read-only (writes refused). */
  mask?: (text: string) => string;
  now?: () => number;
}

export class NotesRoutes {
  constructor(private readonly store: VerbatimStore, private readonly opts: NotesOptions = {}) {}

  async list(ctx: RouteContext): Promise<void> {
    const session = await this.sessionOf(ctx);
    const notes = await this.store.listNotes(session.id);
    ctx.audit.details.notes = notes.length;
    await sendJson(ctx.req, ctx.res, 200, { notes: notes.map((n) => this.view(n, ctx.principal)) });
  }

  async create(ctx: RouteContext): Promise<void> {
    const session = await this.sessionOf(ctx);
    const body = await readJson(ctx.req, BODY_LIMIT);
    const text = this.textOf(body.text);
    const at = momentOf(body.at, session);
    const pageId = body.pageId === undefined || body.pageId === null ? undefined : body.pageId;
    if (pageId !== undefined && (typeof pageId !== 'string' || !session.pages.some((p) => p.id === pageId))) {
      throw new VerbatimError('BAD_REQUEST', 'pageId must name a page of this session', { field: 'pageId' });
    }
    const track = body.track === undefined || body.track === null ? undefined : body.track;
    if (track !== undefined && (typeof track !== 'number' || !Number.isSafeInteger(track) || track < 0 || track > 10_000)) {
      throw new VerbatimError('BAD_REQUEST', 'track must be a tab number (a non-negative integer)', { field: 'track' });
    }
    const note: SessionNote = {
      sessionId: session.id, id: randomBytes(9).toString('base64url'), at, author: authorOf(ctx.principal), text,
      createdAt: this.now(), ...(pageId !== undefined ? { pageId } : {}), ...(track !== undefined ? { track } : {}),
    };
    Object.assign(ctx.audit.details, { note: note.id, at, length: text.length });
    await this.store.putNote(note);
    await sendJson(ctx.req, ctx.res, 201, { note: this.view(note, ctx.principal) });
  }

  async edit(ctx: RouteContext): Promise<void> {
    const { note } = await this.noteOf(ctx);
    const body = await readJson(ctx.req, BODY_LIMIT);
    if (!this.view(note, ctx.principal).canEdit) throw new VerbatimError('FORBIDDEN', 'Only the author may edit a note', { note: note.id });
    const text = this.textOf(body.text);
    const edited: SessionNote = { ...note, text, updatedAt: this.now() };
    Object.assign(ctx.audit.details, { length: text.length, previousLength: note.text.length });
    await this.store.putNote(edited);
    await sendJson(ctx.req, ctx.res, 200, { note: this.view(edited, ctx.principal) });
  }

  async remove(ctx: RouteContext): Promise<void> {
    const { note } = await this.noteOf(ctx);
    const view = this.view(note, ctx.principal);
    if (!view.canDelete) throw new VerbatimError('FORBIDDEN', 'Only the author (or a compliance officer) may delete a note', { note: note.id });
    if (note.author !== authorOf(ctx.principal)) ctx.audit.details.author = note.author;
    await this.store.deleteNote(note.sessionId, note.id);
    await sendJson(ctx.req, ctx.res, 200, { deleted: note.id });
  }

  private view(note: SessionNote, who: Principal | undefined): ApiNote {
    const open = !who || who.open;
    const own = open || note.author === who.user;
    const moderate = open || (!!who.role && can(who.role, 'notes.moderate'));
    return { ...note, canEdit: own, canDelete: own || moderate };
  }

  private async sessionOf(ctx: RouteContext): Promise<Session> {
    const id = ctx.params.id!;
    if (!isValidSessionId(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const session = await this.store.getSession(id);
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId: id });
    return session;
  }

  private async noteOf(ctx: RouteContext): Promise<{ session: Session; note: SessionNote }> {
    const session = await this.sessionOf(ctx);
    const noteId = ctx.params.noteId!;
    if (!NOTE_ID.test(noteId)) throw new VerbatimError('BAD_REQUEST', 'Malformed note id', { field: 'noteId' });
    ctx.audit.details.note = noteId;
    const note = await this.store.getNote(session.id, noteId);
    if (!note) throw new VerbatimError('NOT_FOUND', 'No such note', { note: noteId });
    return { session, note };
  }

  /** Trimmed, 1 to MAX_NOTE_LENGTH characters, masked as recordings are. */
  private textOf(raw: unknown): string {
    if (typeof raw !== 'string') throw new VerbatimError('BAD_REQUEST', 'text must be a string', { field: 'text' });
    const text = raw.replace(/\r\n?/g, '\n').trim();
    if (!text) throw new VerbatimError('BAD_REQUEST', 'a note needs some text', { field: 'text' });
    if (text.length > MAX_NOTE_LENGTH) throw new VerbatimError('BAD_REQUEST', `a note is at most ${MAX_NOTE_LENGTH} characters`, { field: 'text' });
    // Control characters other than line breaks and tabs have no place in a note (and could hide text).
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw new VerbatimError('BAD_REQUEST', 'text holds control characters', { field: 'text' });
    // Fail closed: without the project's masker a card number typed into a note would be kept as typed.
    if (!this.opts.mask) throw new VerbatimError('CONFIG_INVALID', 'notes cannot be kept: this viewer was started without the masker notes go through', {});
    return this.opts.mask(text);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

function authorOf(who: Principal | undefined): string {
  return who?.user ?? 'local';
}

/** The moment a note is about: epoch ms within the session's recorded span (a minute's slack either side). */
function momentOf(raw: unknown, session: Session): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) throw new VerbatimError('BAD_REQUEST', 'at must be the moment as epoch ms', { field: 'at' });
  if (raw < session.startedAt - MOMENT_SLACK_MS || raw > session.endedAt + MOMENT_SLACK_MS) {
    throw new VerbatimError('BAD_REQUEST', 'at must be a moment of the session', { field: 'at' });
  }
  return raw;
}
