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
