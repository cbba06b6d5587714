/**
 * The search index's extractor: pure functions from what the store holds to search hits. No I/O, no dependencies
 * (type imports only), so it can run in a worker. Everything read is hostile input: bounded (limits.ts), and
 * malformed parts are skipped, never thrown on. Masked values stay as recorded ('*', '•').
 *
 * What becomes which hit (types.ts):
 * - url      a page's URL (batch.page.url, rrweb Meta events) when it changes; scheme://host/path, never the query
 *            string or fragment. `host`, `path` set.
 * - title    a page's title (batch.page.title, the top document's <title> in snapshots and mutations) when it
 *            changes.
 * - text     shown text from full snapshots and mutations (added nodes, text changes), one passage per block
 *            element (passages.ts), at most 2,000 characters, never twice the same passage on one page. Never
 *            script, style, noscript, template, head, textarea/select contents, blocked placeholders, nor a passage
 *            that is nothing but mask characters.
 * - typed    rrweb Input events, one per field per burst (typed.ts) with its final value as recorded; `field` the
 *            field's name, id, aria-label, label text or placeholder. Checkboxes and radios give the chosen
 *            option's label (an unchecked checkbox "<label> (unchecked)"), selects the chosen option's text.
 * - clicked  rrweb clicks, resolved to the nearest link/button/field/label/summary/interactive role (clicks.ts);
 *            `text` what it says, `field` a stable selector (selector.ts).
 * - error    the recorder's console-error and uncaught-error custom events: the message; `field` "console.error",
 *            "uncaught error" or "unhandled rejection".
 * - marker   the recorder's marker custom events (the site's performance.mark / dataLayer events, marker-events.ts):
 *            the name; `field` "mark" or "dataLayer".
 * - request  each capture except Verbatim's own endpoints: `METHOD host/path status [statusText] [incomplete
 *            reason]`; `method`, `host`, `path`, `status`, `durationMs` (to the last byte), `at` = capture start.
 * - websocket one per distinct endpoint (host + path) per session, at its first message.
 * Every hit has `at`; page hits have `pageId` (captures and sockets do not know their page).
 * Session facts (session-facts.ts) come from the session record plus the activity and URLs seen in events.
 */
export { createSessionExtractor, type SessionExtractor } from './session-extractor';
export type { SessionFacts, Device } from './session-facts';
export { sessionFacts, ActivityMoments } from './session-facts';
export { requestHit } from './request-hits';
export { errorHit } from './error-hits';
export { batchMarkers, readMarker, MARKER_TAG, type Marker } from './marker-events';
export { WebSocketEndpoints } from './websocket-hits';
export { urlParts, type UrlParts } from './url-parts';
export { stableSelector } from './selector';
export { shadowHostOf, SHADOW_STEP } from './shadow-roots';
export { NodeMap, applyMutation, type MapNode } from './node-map';
export type { PageObserver, PageObservers } from './page-observer';
export { clickTarget, clickText, isMeaningful } from './clicks';
export { fieldName } from './field-names';
export { looksGenerated } from './field-names';
export * as limits from './limits';
