/**
 * Which captured bodies are a customer's own data and so are sealed with their
 * session's key (encryption at rest) rather than stored once for everyone: the
 * documents and data a site personalises (HTML, JSON, XML, text, PDF statements)
 * and anything the site itself marks as not shareable (`Cache-Control: private`
 * or `no-store`). Stylesheets, scripts, fonts and images served for everyone stay
 * content-addressed and deduplicated. Request bodies (form and JSON posts) are
 * always personal. Dependency-free: the proxy and the kiosk collector both ask it.
 */

const PERSONAL_TYPES = /^(text\/html|application\/xhtml\+xml|application\/(?:[\w.+-]*\+)?json|application\/x-ndjson|text\/plain|text\/csv|text\/xml|application\/xml|application\/pdf|text\/event-stream)\b/i;
const NOT_SHAREABLE = /(?:^|,)\s*(?:private|no-store)\b/i;

export function isPersonalResponse(contentType: string | undefined, cacheControl: string | undefined): boolean {
  const type = (contentType ?? '').trim();
  // SVG is XML but an asset; keep it shared unless the site says otherwise.
  if (PERSONAL_TYPES.test(type) && !/^image\//i.test(type)) return true;
  return NOT_SHAREABLE.test(cacheControl ?? '');
}
