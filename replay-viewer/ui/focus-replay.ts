/**
 * The player replays focus (rrweb's triggerFocus) so that :focus styles show as the
 * customer saw them. A programmatic focus() would also show the focus ring
 * (:focus-visible) on a link or button the customer clicked with the mouse, where
 * the browser showed none. So an element focused by the press that just happened on
 * it is focused again with focusVisible: false first; rrweb's own focus() is then a
 * no-op. Keyboard focus (no press before it) keeps its ring.
 */

/** rrweb's MouseInteractions values. */
const MOUSE_DOWN = 1;
const FOCUS = 5;
const TOUCH_START = 7;

interface Emitter {
  on(event: string, handler: (payload: unknown) => void): unknown;
}

export function keepPointerFocusRingless(replayer: Emitter): void {
  let pressed: Node | undefined;
  replayer.on('mouse-interaction', (payload) => {
    const { type, target } = (payload ?? {}) as { type?: number; target?: unknown };
    if (!isNode(target)) return;
    if (type === MOUSE_DOWN || type === TOUCH_START) {
      pressed = target;
    } else if (type === FOCUS && pressed && target.contains(pressed) && 'focus' in target) {
      try {
        (target as HTMLElement).focus({ preventScroll: true, focusVisible: false } as FocusOptions);
      } catch {
        /* the element went away */
      }
    }
  });
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).contains === 'function';
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/**
 * Replaying focus moves the browser's focus into the replay frame, where Tab would walk the customer's fields and the
 * player's keys would not be heard. Keys pressed there are dispatched again on the player's document (so every
 * shortcut, the match navigator's n / N included, hears them, never as typing in a field), and Tab / Shift+Tab leave
 * the frame for the player's next / previous control. Called again after each rebuild (document.open() drops
 * listeners).
 */
export function keepKeysWithPlayer(iframe: HTMLIFrameElement): void {
  const doc = iframe.contentDocument;
  if (!doc) return;
  // The same function each time: adding it again is a no-op, and re-adds it after document.open() cleared it.
  let listener = listeners.get(iframe);
  if (!listener) {
    listener = keyListener(iframe);
    listeners.set(iframe, listener);
  }
  doc.addEventListener('keydown', listener, true);
}

function keyListener(iframe: HTMLIFrameElement): (ev: KeyboardEvent) => void {
  return (ev) => {
    if (ev.key !== 'Tab') {
      const { key, code, shiftKey, ctrlKey, altKey, metaKey, repeat } = ev;
      const again = new KeyboardEvent('keydown', { key, code, shiftKey, ctrlKey, altKey, metaKey, repeat, bubbles: true, cancelable: true });
      if (!document.dispatchEvent(again)) ev.preventDefault();
      return;
    }
    ev.preventDefault();
    const controls = Array.from(document.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null || el === document.activeElement);
    const after = controls.findIndex((el) => iframe.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const next = ev.shiftKey ? controls[(after < 0 ? controls.length : after) - 1] : controls[after];
    (next ?? document.body).focus();
  };
}

const listeners = new WeakMap<HTMLIFrameElement, (ev: KeyboardEvent) => void>();
