/**
 * The player's notes: a dock panel listing the session's notes by moment (clicking one seeks there), a form to add
 * one at the moment shown ("Add note at 01:23" in the controls opens it), and edit/delete on the notes the API says
 * the user may change. The notes also go on the seek bar (markers) and into the activity feed: `onChange` hands the
 * player the current list after every load and change. Note text is set as text only, never as HTML.
 */
import { MAX_NOTE_LENGTH } from '../notes/note-limits';
import { h } from './dom';
import { formatDateTime, formatOffset } from './format';
import { addNote, deleteNote, editNote, listNotes, type ApiNote } from './notes-api';

export interface SessionNotes {
  button: HTMLButtonElement;
  panel: HTMLElement;
  /** The controls' "Add note at m:ss": opens the panel on the form, for the moment shown. */
  addButton: HTMLButtonElement;
  setTime(offset: number): void;
  load(): Promise<void>;
}

export function createSessionNotes(opts: {
  sessionId: string;
  /** Epoch ms of the replay's offset 0, and its length. */
  first: number;
  total: number;
  track?: number;
  /** The page shown at an offset (its store id), when known. */
  pageAt(offset: number): string | undefined;
  onSeek(offset: number): void;
  /** Shows the panel (the dock decides how). */
  reveal(): void;
  onChange(notes: ApiNote[]): void;
}): SessionNotes {
  let notes: ApiNote[] = [];
  let shown = 0;
  /** The moment the form adds at: the one shown when "Add note" was pressed, else the one shown now. */
  let pinned: number | undefined;
  const offsetOf = (n: ApiNote): number => Math.min(opts.total, Math.max(0, n.at - opts.first));

  const status = h('p', { class: 'notes-status', role: 'status' });
  const text = h('textarea', { id: 'note-text', rows: 3, maxlength: MAX_NOTE_LENGTH, 'aria-describedby': 'note-help' }) as HTMLTextAreaElement;
  const formLabel = h('label', { for: 'note-text', class: 'notes-label' });
  const submit = h('button', { type: 'submit', class: 'button small' }, 'Add note');
  const form = h('form', { class: 'notes-form', onsubmit: (ev: Event) => { ev.preventDefault(); void create(); } },
    formLabel, text,
    h('p', { id: 'note-help', class: 'notes-help' }, `Shared with everyone who may replay this session; recorded in the audit trail. At most ${MAX_NOTE_LENGTH.toLocaleString('en')} characters.`),
    submit);
  const list = h('ol', { class: 'notes-list', 'aria-label': 'Notes, in time order' });
  const empty = h('p', { class: 'notes-empty' }, 'No notes on this session yet.');
  const panel = h('section', { class: 'dock-panel notes-panel', 'aria-label': 'Notes', hidden: true }, form, status, list, empty);
  panel.id = 'notes-panel';
  const button = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Notes');
  button.id = 'notes-toggle';
  const addButton = h('button', { type: 'button', class: 'button small subtle add-note', onclick: () => {
    pinned = shown;
    paintLabel();
    opts.reveal();
    text.focus();
  } });
  addButton.id = 'add-note';

  const say = (message: string, error = false): void => {
    status.textContent = message;
    status.classList.toggle('error', error);
  };
  const paintLabel = (): void => {
    const label = `Note at ${formatOffset(pinned ?? shown)}`;
    if (formLabel.textContent !== label) formLabel.textContent = label;
  };
  const changed = (next: ApiNote[]): void => {
    notes = [...next].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    list.replaceChildren(...notes.map(itemOf));
    empty.hidden = notes.length > 0;
    button.textContent = `Notes (${notes.length})`;
    opts.onChange(notes);
  };

  const create = async (): Promise<void> => {
    const value = text.value.trim();
    if (!value) {
      say('Write the note first.', true);
      text.focus();
      return;
    }
    const offset = pinned ?? shown;
    submit.disabled = true;
    try {
      const pageId = opts.pageAt(offset);
      const note = await addNote(opts.sessionId, {
        text: value, at: Math.round(opts.first + offset), ...(pageId ? { pageId } : {}), ...(opts.track !== undefined ? { track: opts.track } : {}),
      });
      text.value = '';
      pinned = undefined;
      paintLabel();
      changed([...notes, note]);
      say(`Note added at ${formatOffset(offset)}.`);
    } catch (err) {
      say(`The note was not added: ${(err as Error).message}`, true);
    } finally {
      submit.disabled = false;
    }
  };

  const itemOf = (note: ApiNote): HTMLLIElement => {
    const offset = offsetOf(note);
    const body = h('p', { class: 'note-text' }, note.text);
    // A note made while another tab was replayed opens that tab at its moment (each tab replays on its own).
    const otherTab = opts.track !== undefined && note.track !== undefined && note.track !== opts.track ? note.track : undefined;
    const open = (): void => {
      if (otherTab === undefined) return opts.onSeek(offset);
      const params = new URLSearchParams(location.search);
      params.set('track', String(otherTab));
      params.set('at', String(note.at));
      location.search = params.toString();
    };
    const li = h('li', { class: 'note-item', 'data-note': note.id, 'data-offset': offset },
      h('button', { type: 'button', class: 'note-seek', title: otherTab === undefined ? `Show this moment (${formatOffset(offset)})` : `Open tab ${otherTab + 1} at this moment`, onclick: open },
        h('span', { class: 'note-time' }, otherTab === undefined ? formatOffset(offset) : `Tab ${otherTab + 1}`),
        h('span', { class: 'note-author' }, note.author),
        h('span', { class: 'note-when' }, `${formatDateTime(note.updatedAt ?? note.createdAt)}${note.updatedAt ? ' (edited)' : ''}`)),
      body);
    const actions = h('div', { class: 'note-actions' });
    if (note.canEdit) actions.append(h('button', { type: 'button', class: 'button small subtle', 'aria-label': `Edit the note at ${formatOffset(offset)}`, onclick: () => startEdit(note, actions, body) }, 'Edit'));
    if (note.canDelete) actions.append(h('button', { type: 'button', class: 'button small subtle danger', 'aria-label': `Delete the note at ${formatOffset(offset)}`, onclick: () => void remove(note) }, 'Delete'));
    if (actions.childElementCount) li.append(actions);
    return li;
  };

  const startEdit = (note: ApiNote, actions: HTMLElement, body: HTMLElement): void => {
    const id = `note-edit-${note.id}`;
    const area = h('textarea', { id, rows: 3, maxlength: MAX_NOTE_LENGTH }) as HTMLTextAreaElement;
    area.value = note.text;
    const cancel = (): void => {
      editor.replaceWith(body);
      actions.hidden = false;
    };
    const editor = h('form', { class: 'note-editor', onsubmit: (ev: Event) => {
      ev.preventDefault();
      void (async () => {
        try {
          const edited = await editNote(opts.sessionId, note.id, area.value);
          changed(notes.map((n) => (n.id === note.id ? edited : n)));
          say('Note saved.');
        } catch (err) {
          say(`The note was not saved: ${(err as Error).message}`, true);
        }
      })();
    } },
    h('label', { for: id, class: 'visually-hidden' }, 'Note text'), area,
    h('div', { class: 'note-actions' }, h('button', { type: 'submit', class: 'button small' }, 'Save'), h('button', { type: 'button', class: 'button small subtle', onclick: cancel }, 'Cancel')));
    body.replaceWith(editor);
    actions.hidden = true;
    area.focus();
  };

  const remove = async (note: ApiNote): Promise<void> => {
    if (!confirm(`Delete the note at ${formatOffset(offsetOf(note))}?`)) return;
    try {
      await deleteNote(opts.sessionId, note.id);
      changed(notes.filter((n) => n.id !== note.id));
      say('Note deleted.');
    } catch (err) {
      say(`The note was not deleted: ${(err as Error).message}`, true);
    }
  };

  paintLabel();
  return {
    button, panel, addButton,
    setTime(offset) {
      shown = offset;
      const label = `Add note at ${formatOffset(offset)}`;
      if (addButton.textContent !== label) addButton.textContent = label;
      if (pinned === undefined) paintLabel();
    },
    async load() {
      try {
        changed(await listNotes(opts.sessionId));
      } catch (err) {
        say(`Notes could not be loaded: ${(err as Error).message}`, true);
      }
    },
  };
}
