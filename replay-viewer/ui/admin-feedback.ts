/** One line of feedback per admin section: a polite status for results, an alert for failures. */
import { h } from './dom';

export interface Feedback {
  el: HTMLElement;
  ok(text: string, ...extra: Node[]): void;
  fail(err: unknown): void;
  /**
   * Runs a change and reports it; resolves false when it failed. `then` (redrawing the section) runs before the
   * report: once it says done, the controls are the ones that stay (typing into a row about to be redrawn was lost).
   */
  run(what: () => Promise<unknown>, done: string, then?: () => Promise<void>): Promise<boolean>;
}

export function feedback(): Feedback {
  const status = h('p', { class: 'admin-feedback', role: 'status' });
  const alert = h('p', { class: 'admin-feedback error', role: 'alert', hidden: true });
  const el = h('div', {}, status, alert);
  const f: Feedback = {
    el,
    ok(text, ...extra) {
      alert.hidden = true;
      status.replaceChildren(text, ...extra);
    },
    fail(err) {
      status.textContent = '';
      alert.hidden = false;
      alert.textContent = (err as Error).message;
    },
    async run(what, done, then) {
      try {
        await what();
        alert.hidden = true;
        await then?.();
        // A redraw that failed shows its own alert: the change's report goes beside it.
        status.replaceChildren(done);
        return true;
      } catch (err) {
        f.fail(err);
        return false;
      }
    },
  };
  return f;
}

/** A secret shown once (a new API or terminal token), selectable, with what to do with it. */
export function oneTimeSecret(label: string, secret: string): HTMLElement {
  return h('span', { class: 'one-time-secret' }, ` ${label} (shown only now): `, h('code', { class: 'secret', tabindex: 0, 'aria-label': label }, secret));
}
