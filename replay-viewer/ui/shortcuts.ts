/**
 * The player's keyboard shortcuts and their help overlay (a modal <dialog>: focus moves into it, Esc closes it and
 * focus returns). Keys never fire while typing in a field, with a modifier held (browser shortcuts stay the
 * browser's), or when a focused control owns the key (space on a button presses it; the timeline and the dock handle
 * take their arrows themselves).
 */
import { h } from './dom';

export interface ShortcutActions {
  togglePlay(): void;
  seekBy(ms: number): void;
  marker(direction: 1 | -1): void;
  fullscreen(): void;
}

export const SEEK_STEP_MS = 5_000;

const HELP: [string, string][] = [
  ['Space', 'Play or pause'],
  ['← / →', 'Back or forward 5 seconds'],
  ['[ / ]', 'Previous or next marker (struggle signals and search matches)'],
  ['n / N', 'Next or previous search match (opened from a search)'],
  ['f', 'Fullscreen on or off'],
  ['?', 'This list of shortcuts'],
  ['Esc', 'Close this list'],
];

export interface Shortcuts {
  dialog: HTMLDialogElement;
  button: HTMLButtonElement;
}

export function installShortcuts(actions: ShortcutActions): Shortcuts {
  const close = h('button', { type: 'button', class: 'button small', onclick: () => dialog.close() }, 'Close');
  const dialog = h('dialog', { class: 'shortcut-help', 'aria-labelledby': 'shortcut-help-title' },
    h('h2', { id: 'shortcut-help-title' }, 'Keyboard shortcuts'),
    h('dl', { class: 'shortcut-list' }, ...HELP.map(([key, what]) => h('div', {}, h('dt', {}, h('kbd', {}, key)), h('dd', {}, what)))),
    close) as HTMLDialogElement;
  const open = (): void => {
    if (!dialog.open) dialog.showModal();
  };
  const button = h('button', { class: 'button small subtle', type: 'button', 'aria-haspopup': 'dialog', title: 'Keyboard shortcuts (?)', onclick: open }, '?');
  button.setAttribute('aria-label', 'Keyboard shortcuts');
  button.id = 'shortcut-help-button';

  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || dialog.open) return;
    // Keys from the replay frame arrive re-dispatched on the document (focus-replay.ts): not typing in a field.
    const target = ev.target instanceof HTMLElement ? ev.target : null;
    if (target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable)) return;
    const onControl = !!target && /^(BUTTON|SUMMARY|A)$/.test(target.tagName);
    let act: (() => void) | undefined;
    if (ev.key === ' ' && !onControl) act = actions.togglePlay;
    else if (ev.key === 'k') act = actions.togglePlay;
    else if (ev.key === 'ArrowLeft') act = () => actions.seekBy(-SEEK_STEP_MS);
    else if (ev.key === 'ArrowRight') act = () => actions.seekBy(SEEK_STEP_MS);
    else if (ev.key === '[') act = () => actions.marker(-1);
    else if (ev.key === ']') act = () => actions.marker(1);
    else if (ev.key === 'f') act = actions.fullscreen;
    else if (ev.key === '?') act = open;
    if (!act) return;
    ev.preventDefault();
    act();
  });
  return { dialog, button };
}
