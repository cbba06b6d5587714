/**
 * Every bound the extractor keeps. Recorded content is hostile (anyone can upload events for their own session), so
 * each loop, string and map has a ceiling; what goes over is cut or skipped, never thrown.
 */

/** One hit's text (a passage, a typed value, an error message). */
export const MAX_HIT_TEXT = 2_000;
/** A title, a click's visible text, a field's label: short by nature. */
export const MAX_LABEL_TEXT = 200;
export const MAX_TITLE_TEXT = 500;
/** Hits from one batch and the characters of all their texts together. */
export const MAX_HITS_PER_BATCH = 5_000;
export const MAX_TEXT_PER_BATCH = 200_000;
/** Events read from one batch (the recorder sends a few thousand at most; the upload cap is 2 MB). */
export const MAX_EVENTS_PER_BATCH = 50_000;

/** Nodes remembered per page: beyond this, new nodes are not kept and events naming them stay unresolved. */
export const MAX_NODES_PER_PAGE = 50_000;
/** Characters kept per text node and per attribute value. */
export const MAX_NODE_TEXT = 4_000;
export const MAX_ATTRIBUTE_TEXT = 500;
/** Children kept per element (rrweb never sends more than the DOM had; a forged one might). */
export const MAX_CHILDREN = 10_000;
/** Nodes visited by one walk over a subtree (a passage, a label, an added subtree). */
export const MAX_WALK_NODES = 20_000;
/**
 * Node visits one batch may cost in all (walks, climbs, sibling searches): about 0.5 s of CPU at most here. A full
 * snapshot of a 20,000-node page costs about 300,000.
 */
export const MAX_WORK_PER_BATCH = 1_000_000;
/** Levels climbed looking for a block, a meaningful element, a label or a frame. */
export const MAX_ANCESTORS = 256;
/** Pages whose node maps are kept at once; the oldest is dropped (a session's tabs rarely exceed this). */
export const MAX_PAGES_KEPT = 4;
/** Passages remembered per page so that none is emitted twice (53-bit hashes). */
export const MAX_SEEN_PASSAGES = 20_000;

/** Typed values: a burst ends after this long without input on the field (or on another field's input, a click). */
export const TYPING_BURST_GAP_MS = 10_000;

/** WebSocket endpoints remembered per session. */
export const MAX_WEBSOCKET_ENDPOINTS = 1_000;
/** URLs longer than this are read by their start only. */
export const MAX_URL = 8_192;
/** A path in a hit (the query string never is). */
export const MAX_PATH = 1_000;

/**
 * activeMs: the session's interaction moments (pointer, click, scroll, typing, touch, drag, selection) rounded to
 * ACTIVITY_RESOLUTION_MS; the gaps between consecutive moments are summed, each counted at most ACTIVE_GAP_CAP_MS.
 * 30 s: long enough to read a paragraph or think between two fields, short enough that a customer who walked away
 * adds 30 s rather than the whole pause.
 */
export const ACTIVE_GAP_CAP_MS = 30_000;
export const ACTIVITY_RESOLUTION_MS = 100;
/** Activity moments kept per session: 5.5 hours of constant activity at the resolution above (later moments are not counted). */
export const MAX_ACTIVITY_MOMENTS = 200_000;
