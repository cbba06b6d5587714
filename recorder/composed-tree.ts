/**
 * Walking the tree a click went through, shadow roots included. A listener on the document sees `event.target`
 * retargeted to the outermost shadow host (a click on Shoelace's inner <button> is reported on <sl-button>), while
 * rrweb reports the innermost node (`composedPath()[0]`): layout notes must start where rrweb does and climb from a
 * shadow root's top element to its host, or the box of the element a click resolved to is never among them.
 */

/** The innermost element an event reached, inside open shadow roots too. */
export function innermostTarget(e: Pick<Event, 'target'> & { composedPath?: () => EventTarget[] }): Element | null {
  const first = typeof e.composedPath === 'function' ? e.composedPath()[0] : undefined;
  const isElement = (t: unknown): t is Element => !!t && (t as Node).nodeType === 1;
  return isElement(first) ? first : isElement(e.target) ? e.target : null;
}

/** The element's parent, or, at the top of an open shadow root, its host. */
export function composedParent(el: Element): Element | null {
  if (el.parentElement) return el.parentElement;
  const root = el.parentNode as (Node & { host?: Element }) | null;
  return root && root.nodeType === 11 && root.host ? root.host : null;
}
