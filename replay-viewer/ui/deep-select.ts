/**
 * Finds an element by the stable selectors analytics keeps (search/extract/selector.ts), which go on into open
 * shadow roots and iframes with SHADOW_STEP: `#payee >> #input` is `#input` inside the shadow root of `#payee`,
 * `#statement >> #download` is `#download` in the document of the iframe `#statement`. Each step is one
 * querySelector in the scope the previous one opened (the document, a host's shadow root, a frame's document).
 */
import { SHADOW_STEP } from '../search/extract/shadow-roots';

/** The steps of a selector, split at SHADOW_STEP outside quoted attribute values (`[aria-label="a >> b"]`). */
export function shadowSteps(selector: string): string[] {
  const steps: string[] = [];
  let quote: string | undefined;
  let from = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\') i++;
    else if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (selector.startsWith(SHADOW_STEP, i)) {
      steps.push(selector.slice(from, i));
      i += SHADOW_STEP.length - 1;
      from = i + 1;
    }
  }
  steps.push(selector.slice(from));
  return steps;
}

/** The element, or null when a step finds nothing, a host has no open shadow root, or a step is not valid CSS. */
export function deepQuery(doc: Document, selector: string): Element | null {
  let scope: ParentNode | null = doc;
  let found: Element | null = null;
  for (const step of shadowSteps(selector)) {
    if (!scope) return null;
    try {
      found = scope.querySelector(step);
    } catch {
      return null; // a selector the replayed document's engine does not take
    }
    if (!found) return null;
    scope = found.shadowRoot ?? (found.tagName === 'IFRAME' ? (found as HTMLIFrameElement).contentDocument : null);
  }
  return found;
}

/** The element's box in `top`'s viewport: inside an iframe, offset by each frame's box and border. */
export function boxIn(top: Document, el: Element): DOMRect {
  const r = el.getBoundingClientRect();
  let x = r.left;
  let y = r.top;
  for (let win: Window | null = el.ownerDocument.defaultView, n = 0; win && win.document !== top && n < 8; win = win.parent, n++) {
    const frame = win.frameElement;
    if (!frame) break;
    const f = frame.getBoundingClientRect();
    x += f.left + frame.clientLeft;
    y += f.top + frame.clientTop;
  }
  return new DOMRect(x, y, r.width, r.height);
}
