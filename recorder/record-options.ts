/**
 * The rrweb record() options Verbatim uses (rrweb 2.x, see recordOptions in
 * rrweb.d.ts). Privacy defaults: password and hidden inputs are always masked,
 * and the page can block or mask regions with PRIVACY_MARKERS.
 */
import type { record } from '@rrweb/record';
import { PRIVACY_MARKERS as M } from './protocol';

type Options = NonNullable<Parameters<typeof record>[0]>;

const MASK = `.${M.maskClass},${M.maskSelector}`;

/**
 * rrweb calls maskInputFn only for the input types / tags listed in
 * maskInputOptions, so list every text-bearing type and let the function decide.
 * 'select' is left out on purpose: listing it makes rrweb drop every option's
 * selected state from snapshots.
 */
const TEXT_INPUTS = [
  'text', 'password', 'email', 'tel', 'number', 'search', 'url', 'date', 'datetime-local',
  'month', 'week', 'time', 'color', 'range', 'hidden', 'textarea',
];

function maskInput(text: string, element: HTMLElement): string {
  let mask = true; // fail closed
  try {
    const type = (element as HTMLInputElement).type;
    // data-rr-is-password: rrweb's mark on a password field the page switched to type=text ("show password").
    mask =
      type === 'password' ||
      type === 'hidden' ||
      element.hasAttribute('data-rr-is-password') ||
      !!element.closest(MASK);
  } catch {
    /* keep masked */
  }
  return mask ? '*'.repeat(text.length) : text;
}

export function recordOptions(emit: Options['emit'], errorHandler: Options['errorHandler']): Options {
  const maskInputOptions: Record<string, boolean> = {};
  for (const t of TEXT_INPUTS) maskInputOptions[t] = true;
  return {
    emit,
    errorHandler,
    // Must be the same in every frame: it is what makes a cross-origin child post
    // to its parent instead of emitting, and makes the parent listen (see frames.ts).
    recordCrossOriginIframes: true,
    blockClass: M.blockClass,
    blockSelector: M.blockSelector,
    ignoreClass: M.ignoreClass,
    maskTextClass: M.maskClass,
    maskTextSelector: M.maskSelector,
    maskInputOptions: { ...maskInputOptions, password: true },
    maskInputFn: maskInput,
    inlineStylesheet: true,
    sampling: { mousemove: 50, scroll: 150, input: 'last' },
    recordCanvas: false,
    // The proxy captures font files itself.
    collectFonts: false,
    // We call record() ourselves once the DOM is parsed (see entry.ts); this only
    // matters if rrweb ever sees a loading document.
    recordAfter: 'DOMContentLoaded',
  };
}

/**
 * rrweb wraps some page-facing APIs (CSSStyleSheet.insertRule, setProperty, ...)
 * in the same try/catch as its own observers, so an exception the browser throws
 * for the page's own bad call passes through errorHandler too. Those are
 * DOMExceptions (SyntaxError, IndexSizeError, ...): hand them back to the page
 * (CSS-in-JS libraries rely on insertRule throwing). Anything else is rrweb's.
 */
export function isPageException(error: unknown): boolean {
  return Object.prototype.toString.call(error) === '[object DOMException]';
}
