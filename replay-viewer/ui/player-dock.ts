/**
 * The player's side dock: one panel at a time (activity, pages, console, network) beside the replay, below it on
 * narrow screens. A drag handle resizes it (also a focusable separator: arrow keys, Home/End), a button collapses
 * it. Its width is a CSS variable on the player view; the player fits the replay into what is left.
 */
import { h } from './dom';

export interface DockPanel {
  id: string;
  /** The panel's switch: a button the dock wires (or one that shows its panel itself, like the network log's). */
  button: HTMLButtonElement;
  panel: HTMLElement;
  /** The button toggles the panel itself: the dock only closes the others after it. */
  selfToggling?: boolean;
}

export interface Dock {
  el: HTMLElement;
  handle: HTMLElement;
  /** Session-bar button that shows or hides the dock. */
  toggle: HTMLButtonElement;
  show(id: string): void;
  setOpen(open: boolean): void;
  readonly open: boolean;
  /** Width in CSS px the dock would take beside the replay. */
  width(): number;
  setWidth(px: number): void;
}

export const DOCK_MIN = 200;
const DOCK_MAX_SHARE = 0.6;
const KEY_STEP = 16;

export function createDock(view: HTMLElement, panels: DockPanel[], onLayout: () => void): Dock {
  let width = 0; // 0: the CSS default (a share of the window)
  let open = true;
  const tabs = h('div', { class: 'dock-tabs', role: 'group', 'aria-label': 'Side panels' });
  const body = h('div', { class: 'dock-body' });
  const show = (id: string): void => {
    paintHandle();
    for (const p of panels) {
      const on = p.id === id;
      p.panel.hidden = !on;
      p.button.setAttribute('aria-expanded', String(on));
      p.button.classList.toggle('active', on);
    }
    onLayout();
  };
  for (const p of panels) {
    p.button.classList.add('dock-tab');
    p.button.setAttribute('aria-controls', p.panel.id);
    tabs.append(p.button);
    body.append(p.panel);
    if (p.selfToggling) {
      // Its own click handler ran first: close the others when it opened.
      p.button.addEventListener('click', () => {
        if (!p.panel.hidden) show(p.id);
      });
    } else {
      p.button.addEventListener('click', () => show(p.id));
    }
  }
  const collapse = h('button', { class: 'dock-collapse', type: 'button', 'aria-label': 'Hide the side panel', title: 'Hide the side panel', onclick: () => setOpen(false) }, '×');
  const el = h('aside', { class: 'dock', 'aria-label': 'Side panel' }, h('div', { class: 'dock-head' }, tabs, collapse), body);
  el.id = 'player-dock';
  const toggle = h('button', { class: 'button small subtle', type: 'button', 'aria-expanded': 'true', 'aria-controls': 'player-dock', onclick: () => setOpen(!open) }, 'Panels');
  toggle.id = 'dock-toggle';

  const maxWidth = (): number => Math.max(DOCK_MIN, Math.round(view.clientWidth * DOCK_MAX_SHARE));
  const setWidth = (px: number): void => {
    width = Math.round(Math.min(maxWidth(), Math.max(DOCK_MIN, px)));
    view.style.setProperty('--dock-width', `${width}px`);
    paintHandle();
    onLayout();
  };
  const handle = h('div', {
    class: 'dock-handle', role: 'separator', tabindex: 0, 'aria-orientation': 'vertical', 'aria-controls': 'player-dock',
    'aria-label': 'Resize the side panel (arrow keys)', 'aria-valuemin': DOCK_MIN,
  });
  const paintHandle = (): void => {
    handle.setAttribute('aria-valuenow', String(Math.round(el.getBoundingClientRect().width || width)));
    handle.setAttribute('aria-valuemax', String(maxWidth()));
  };
  handle.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    ev.preventDefault();
    handle.setPointerCapture(ev.pointerId);
    const startX = ev.clientX;
    const startW = el.getBoundingClientRect().width;
    const move = (m: PointerEvent): void => setWidth(startW + (startX - m.clientX));
    const up = (): void => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  });
  handle.addEventListener('keydown', (ev) => {
    const now = el.getBoundingClientRect().width;
    // The handle sits left of the dock: ← widens it, → narrows it.
    const to = ev.key === 'ArrowLeft' ? now + KEY_STEP : ev.key === 'ArrowRight' ? now - KEY_STEP
      : ev.key === 'Home' ? maxWidth() : ev.key === 'End' ? DOCK_MIN : undefined;
    if (to === undefined) return;
    ev.preventDefault();
    ev.stopPropagation();
    setWidth(to);
  });

  const setOpen = (next: boolean): void => {
    open = next;
    view.classList.toggle('dock-collapsed', !open);
    toggle.setAttribute('aria-expanded', String(open));
    if (open) paintHandle();
    onLayout();
  };
  return {
    el, handle, toggle, show, setOpen, setWidth,
    get open() {
      return open;
    },
    width: () => (open ? el.getBoundingClientRect().width + handle.getBoundingClientRect().width : 0),
  };
}
