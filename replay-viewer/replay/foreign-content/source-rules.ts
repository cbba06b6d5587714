/**
 * Rules on where an element's URLs point, needing no body: extension schemes, resources to look up in the captures,
 * forms posting to origins the site never used.
 */
import type { MirrorNode } from './dom-mirror';

/** Schemes only a browser extension's own files have. */
const EXTENSION_SCHEME = /^(chrome-extension|moz-extension|safari-web-extension|safari-extension|ms-browser-extension|extension):/i;
/** Attributes that load or name a URL. `rr_src` is where rrweb keeps a recorded frame's source. */
const URL_ATTRIBUTES = ['src', 'href', 'data', 'action', 'formaction', 'poster', 'rr_src', 'xlink:href'] as const;

/** The extension URL an element loads or names, if any. */
export function extensionUrl(node: MirrorNode): string | undefined {
  return extensionUrlIn(node.attrs);
}

/** The same over an attribute map as rrweb records it (names lower-cased by the caller or as recorded). */
export function extensionUrlIn(attrs: Record<string, unknown>): string | undefined {
  for (const name of URL_ATTRIBUTES) {
    const raw = attrs[name];
    const value = typeof raw === 'string' ? raw.trim() : undefined;
    if (value && EXTENSION_SCHEME.test(value)) return value.slice(0, 200);
  }
  return undefined;
}

/**
 * The http(s) URL of a resource that runs or styles the page (script, frame, stylesheet, embed, object): these pass
 * the proxy when the page loads them, so one no capture holds did not come from the network the proxy saw.
 */
export function executableResource(node: MirrorNode, base: string): string | undefined {
  let raw: string | undefined;
  switch (node.tag) {
    case 'script': raw = node.attrs.src; break;
    case 'iframe': case 'frame': raw = node.attrs.src ?? node.attrs.rr_src; break;
    case 'embed': raw = node.attrs.src; break;
    case 'object': raw = node.attrs.data; break;
    case 'link': {
      const rel = (node.attrs.rel ?? '').toLowerCase().split(/\s+/);
      // rrweb inlines a stylesheet it could read (`_cssText`): its text came from a capture or the page itself.
      if (rel.includes('stylesheet') && node.attrs._csstext === undefined) raw = node.attrs.href;
      break;
    }
  }
  return httpUrl(raw, base);
}

/** Where a form (or a submit button's formaction) sends its data, when that is an http(s) URL. */
export function formTarget(node: MirrorNode, base: string): string | undefined {
  if (node.tag === 'form') return httpUrl(node.attrs.action || undefined, base);
  if ((node.tag === 'button' || node.tag === 'input') && node.attrs.formaction) return httpUrl(node.attrs.formaction, base);
  return undefined;
}

export function httpUrl(raw: string | undefined, base: string): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw.trim(), base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    // Opaque origins (data:, blob: of one, custom schemes) name no site.
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Inline styles of an overlay: fixed, or absolute/sticky above most of the page (z-index ≥ 1000). Read from the
 * style attribute as recorded (rrweb records inline style, also when code set it through the CSSOM).
 */
export function overlayStyle(node: MirrorNode): boolean {
  const style = (node.attrs.style ?? '').toLowerCase().replace(/\s+/g, '');
  if (!style) return false;
  if (/(^|;)position:fixed/.test(style)) return true;
  const z = /(^|;)z-index:(\d{1,12})/.exec(style);
  return /(^|;)position:(absolute|sticky)/.test(style) && !!z && Number(z[2]) >= 1000;
}
