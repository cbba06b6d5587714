/**
 * Bounds of the struggle detector. Recorded events are hostile (anyone can upload events for their own session):
 * every list the detector keeps has a ceiling, and what goes over is dropped, never thrown. The extractor's own
 * bounds (events per batch, nodes per page, work per batch) apply to the node maps reused from search.
 */

/** Pages (tab documents) whose state is kept per session; a batch of a page beyond this is not read. */
export const MAX_PAGES = 200;
/** Clicks kept per page for rage/dead/error; later clicks are not judged. */
export const MAX_CLICKS_PER_PAGE = 2_000;
/** Moments kept per page when the page answered something (DOM change, scroll, input…) after a click. */
export const MAX_ANSWERS_PER_PAGE = 20_000;
/** Captures kept per session (request start, status, duration: a few numbers each). */
export const MAX_CAPTURES = 20_000;
/** Uncaught errors kept per page. */
export const MAX_ERRORS_PER_PAGE = 1_000;
/** Fields followed per page for the form signals. */
export const MAX_FIELDS_PER_PAGE = 500;
/** URL visits kept per session (quick back, dwell). */
export const MAX_VISITS = 2_000;
/** Signals emitted per session in all and per name: a hostile session cannot flood the index. */
export const MAX_SIGNALS = 2_000;
export const MAX_SIGNALS_PER_NAME = 300;
/** Pointer positions read per MouseMove event. */
export const MAX_POSITIONS_PER_EVENT = 1_000;
/** Characters of an element label in a signal. */
export const MAX_LABEL = 200;
