/**
 * The rrweb record() options Verbatim uses (rrweb 2.x, see recordOptions in
 * rrweb.d.ts). Privacy defaults: password and hidden inputs are always masked,
 * and the page can block or mask regions with PRIVACY_MARKERS.
 */
import type { record } from '@rrweb/record';
import { OWN_SCRIPT_SELECTOR, PRIVACY_MARKERS as M, type MaskingConfig } from './protocol';
import { styleTextPlugin } from './style-events';

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

/** Names and autocomplete tokens of fields holding card data or secrets (the proxy checks again). */
const SECRET_NAME = /^(cvv2?|cvc2?|csc|cvn|cid|security_?code|card_?(number|code|cvv|cvc)|cardnumber|pan|pin|otp|password|passwd)$/i;
const SECRET_AUTOCOMPLETE = /\b(cc-number|cc-csc|current-password|new-password|one-time-code)\b/;
/** A 13-19 digit run (spaces or dashes between) that passes the Luhn check: a card number. */
const CARD = /\d(?:[ -]?\d){12,18}/g;

function looksLikeCard(text: string): boolean {
  for (const m of text.match(CARD) ?? []) {
    const digits = m.replace(/[ -]/g, '');
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return true;
  }
  return false;
}

function inputMasker(masking: MaskingConfig | undefined) {
  const selector = [MASK, ...(masking?.maskSelectors ?? [])].join(',');
  const types = new Set(['password', 'hidden', ...(masking?.maskInputTypes ?? [])]);
  const fields = new Set((masking?.maskFields ?? []).map((f) => f.toLowerCase()));
  return (text: string, element: HTMLElement): string => {
    let mask = true; // fail closed
    try {
      const input = element as HTMLInputElement;
      const name = (input.name || element.id || '').toLowerCase();
      // data-rr-is-password: rrweb's mark on a password field the page switched to type=text ("show password").
      mask =
        types.has(input.type) ||
        element.hasAttribute('data-rr-is-password') ||
        SECRET_NAME.test(name) || fields.has(name) ||
        SECRET_AUTOCOMPLETE.test(element.getAttribute('autocomplete') ?? '') ||
        looksLikeCard(text) ||
        // A card number being typed is not Luhn-valid yet: 7+ digits show at most its first six.
        /\d(?:[ -]?\d){6,}/.test(text) ||
        !!closestAcrossShadows(element, selector);
    } catch {
      /* keep masked */
    }
    return mask ? '*'.repeat(text.length) : text;
  };
}

/**
 * Element.closest() stops at a shadow root: a field inside a web component in a
 * masked region would escape it. Walks up through the hosts as well.
 */
function closestAcrossShadows(element: Element, selector: string): Element | null {
  for (let el: Element | null = element; el; el = (el.getRootNode() as ShadowRoot).host ?? null) {
    const found = el.closest(selector);
    if (found) return found;
  }
  return null;
}

/**
 * A fresh full snapshot ("checkout") after this long of activity: a replay seeks from the last one before the moment
 * (rrweb drops everything before it), so a deep link into a long session never replays it from the start. Taken
 * only when an event is due anyway, so an idle page costs nothing.
 */
export const CHECKOUT_EVERY_MS = 5 * 60_000;

export function recordOptions(
  emit: Options['emit'], errorHandler: Options['errorHandler'], masking?: MaskingConfig, top = true, checkoutEveryMs = CHECKOUT_EVERY_MS,
): Options {
  const maskInputOptions: Record<string, boolean> = {};
  for (const t of TEXT_INPUTS) maskInputOptions[t] = true;
  return {
    emit,
    errorHandler,
    // Must be the same in every frame: it is what makes a cross-origin child post
    // to its parent instead of emitting, and makes the parent listen (see frames.ts).
    recordCrossOriginIframes: true,
    // Only the top frame checks out; a child's snapshots reach the stream through it (frames.ts).
    ...(top ? { checkoutEveryNms: checkoutEveryMs } : {}),
    blockClass: M.blockClass,
    blockSelector: [M.blockSelector, OWN_SCRIPT_SELECTOR, ...(masking?.blockSelectors ?? [])].join(','),
    ignoreClass: M.ignoreClass,
    maskTextClass: M.maskClass,
    maskTextSelector: [M.maskSelector, ...(masking?.maskSelectors ?? [])].join(','),
    maskInputOptions: { ...maskInputOptions, password: true },
    maskInputFn: inputMasker(masking),
    inlineStylesheet: true,
    // Input is left at rrweb's default (every input event, every value a script sets): the
    // values are throttled in typed-input.ts. 'last' listened to `change` only, which never
    // leaves a shadow root and never fires in a field that keeps focus until the page goes.
    // mousemove 0 keeps every move: rrweb's sampler is leading-edge only (no trailing call), so
    // a move within the interval of the last sampled one is dropped for good, and that is often
    // where the pointer comes to rest: the position that decides :hover in the replay. Chromium
    // sends at most one mousemove per frame, so this is ~60 small positions a second of motion.
    // Positions leave in batches every 200 ms (rrweb: 500), so a hover shows in a replay
    // seeked to 200 ms after it rather than half a second.
    sampling: { mousemove: 0, mousemoveCallback: 200, scroll: 150 },
    // Input events say whether the customer made them (isTrusted) or a script set the value (a lit `.value=`
    // binding re-rendering, a form prefilled): analytics counts a field as touched, filled or abandoned only for
    // the customer's own input (docs/STRUGGLE.md). Without it every value a framework sets looked typed.
    userTriggeredOnInput: true,
    // Puts the page's own text back into rules Chromium serialises as empty longhands (style-events.ts).
    plugins: [styleTextPlugin()],
    // 2D drawing is recorded as commands (the replay redraws them); snapshots carry the pixels so far.
    recordCanvas: true,
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
