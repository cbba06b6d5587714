/**
 * The wire contract between the in-page recorder and whatever ingests its
 * uploads (the proxy's reserved endpoint today, the kiosk collector later).
 * Dependency-free: it is bundled into the recorder.
 */
import type { PageContext, RecordedEvent, Viewport } from '../store/records';

/** Every URL under this path on any origin is answered by Verbatim, never by the site. */
export const RESERVED_PREFIX = '/__verbatim/';
/** The recorder bundle: `${RECORDER_PATH_PREFIX}<content-hash>.js`, immutable. */
export const RECORDER_PATH_PREFIX = '/__verbatim/recorder-';
/** POST target for event uploads (same origin as the page). */
export const EVENTS_PATH = '/__verbatim/events';
/**
 * An upload's answer carries this header while an agent watches the session live: the recorder then uploads what it
 * has every that many ms (LIVE_FLUSH_MS) instead of every 5 s, until an answer comes without it.
 */
export const LIVE_FLUSH_HEADER = 'x-verbatim-flush-ms';
export const LIVE_FLUSH_MS = 500;

/** Attributes on the injected <script> tag that configure the recorder. */
export const TOKEN_ATTRIBUTE = 'data-verbatim-token';
export const ENDPOINT_ATTRIBUTE = 'data-verbatim-endpoint';
/** On the proxy's inline bootstrap tag (bootstrap.ts): the recorder bundle's URL. */
export const RECORDER_SRC_ATTRIBUTE = 'data-verbatim-src';
/** On the recorder tag the bootstrap adds: JSON `[tag, payload][]` of errors seen before the recorder ran. */
export const EARLY_EVENTS_ATTRIBUTE = 'data-verbatim-early';
/** Window property of the bootstrap's hand-over of what it kept while the recorder downloaded (bootstrap.ts). */
export const LATE_EVENTS_KEY = '__verbatimLateEvents';
/** Window property: WeakMap of dataLayer items pushed before the recorder ran → when (marker-times.ts). */
export const DATALAYER_TIMES_KEY = '__verbatimPushTimes';
/** Trusted Types policy name the bootstrap uses when the page enforces them (proxy/csp.ts allows it). */
export const TRUSTED_TYPES_POLICY = 'verbatim';
/** The recorder starts after `load`, or after this long when the load event never comes (a hanging image). */
export const LOAD_WAIT_MS = 10_000;
/** JSON of MaskingConfig: what the page masks or blocks besides password fields. */
export const MASKING_ATTRIBUTE = 'data-verbatim-masking';
/** Overrides the checkout interval (record-options.ts CHECKOUT_EVERY_MS) in ms, at least 1,000: tests and deployments. */
export const CHECKOUT_ATTRIBUTE = 'data-verbatim-checkout-ms';

/** The in-page part of the masking policy (the proxy masks again before writing). */
export interface MaskingConfig {
  maskSelectors: string[];
  maskInputTypes: string[];
  blockSelectors: string[];
  /** Field names (name/id attributes) whose input values are masked. */
  maskFields: string[];
}

/** Default cap on one upload; the recorder splits batches well below it. */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
/** Keepalive fetches (used on pagehide) are limited to 64 KiB by browsers. */
export const KEEPALIVE_LIMIT_BYTES = 60 * 1024;

/** rrweb custom-event tags the recorder emits besides rrweb's own events. */
export const CUSTOM_TAGS = {
  consoleError: 'verbatim:console-error',
  uncaughtError: 'verbatim:uncaught-error',
  recorderFailure: 'verbatim:recorder-failure',
  /** The page went away (navigation, tab closed): ends the page's stretch of the timeline. */
  pageHidden: 'verbatim:page-hidden',
  /** The tab became hidden or visible: tells which of several open tabs the customer was looking at. */
  visibility: 'verbatim:visibility',
  /** A single-page app changed its URL (`href`: scheme://host/path, never the query or fragment). */
  route: 'verbatim:route',
  /** Layout at a click (recorder/layout-notes.ts): where in its element's box the click landed, for click maps. */
  clickBox: 'verbatim:click-box',
  /** How far down the document the customer scrolled (max %), sent when the page goes away or is hidden. */
  scrollDepth: 'verbatim:scroll-depth',
  /** The site's own analytics event (recorder/markers.ts): `{name, source: 'mark' | 'dataLayer', time?}`, funnel steps. */
  marker: 'verbatim:marker',
} as const;

/** Body of POST EVENTS_PATH, JSON. */
export interface RecorderUpload {
  /** Signed session token from the script tag: `<sessionId>.<signature>`. */
  token: string;
  page: { id: string; url: string; title?: string };
  /** Per-page sequence number starting at 0; a resend with the same seq is ignored. */
  seq: number;
  viewport?: Viewport;
  events: RecordedEvent[];
  /** Sent with a page's first upload (seq 0): referrer, UTM, screen, language, time zone (recorder/page-context.ts). */
  context?: PageContext;
}

/**
 * Optional script-tag attribute (or `frameParents` in window.__verbatimConfig):
 * space-separated origins a cross-origin frame may hand its events to. Absent =
 * any parent (rrweb posts a child frame's events to its parent with targetOrigin '*').
 */
export const FRAME_PARENTS_ATTRIBUTE = 'data-verbatim-frame-parents';
/** postMessage type a recording frame sends to its child frames after its full snapshot. */
export const SNAPSHOT_REQUEST_MESSAGE = 'verbatim:snapshot-request';

/**
 * Verbatim's own tags in a page (the bootstrap and the recorder's script, both carrying the
 * session token). The recorder blocks them (a bare placeholder: no src, no token) so a frame's
 * tag, added while its parent already records, never reaches the recording or the replay.
 */
export const OWN_SCRIPT_SELECTOR = `script[${TOKEN_ATTRIBUTE}]`;

/** Page markup that keeps content out of recordings. */
export const PRIVACY_MARKERS = {
  /** Element replaced by an empty placeholder of the same size. */
  blockClass: 'verbatim-block',
  blockSelector: '[data-verbatim-block]',
  /** Text (and input values) inside is recorded as asterisks. */
  maskClass: 'verbatim-mask',
  maskSelector: '[data-verbatim-mask]',
  /** Input events on the element are not recorded. */
  ignoreClass: 'verbatim-ignore',
} as const;

/**
 * Kiosk extension. `endpoint: EXTENSION_ENDPOINT` in window.__verbatimConfig makes the
 * recorder hand each upload body to the extension's isolated-world content script as a
 * DOM event whose type embeds a per-page secret (`token`): a page cannot listen for
 * or forge an event type it does not know, and the terminal's token never enters the page.
 */
export const EXTENSION_ENDPOINT = 'extension:';
export function extensionEventType(secret: string): string {
  return `verbatim:upload:${secret}`;
}

/** On a blob PUT: the kiosk session a personal body (a document, JSON, a private response) belongs to. */
export const PERSONAL_BODY_HEADER = 'x-verbatim-session';

/** The collector's ingest API (replay-viewer/collector-routes.ts), authenticated by a terminal bearer token. */
export const COLLECT_PREFIX = '/collect/v1/';
export const COLLECT_PATHS = {
  /** POST {id, startedAt, userAgent?, viewport?}: create or continue a kiosk session. */
  sessions: '/collect/v1/sessions',
  /** POST RecorderUpload with token = session id. */
  events: '/collect/v1/events',
  /** POST {digests}: answers {missing}. */
  blobsMissing: '/collect/v1/blobs/missing',
  /** PUT /collect/v1/blobs/<sha256 hex>: raw bytes, verified; a personal body carries PERSONAL_BODY_HEADER. */
  blobs: '/collect/v1/blobs/',
  /** POST {sessionId, captures: CapturedResource[]}: bodies must be uploaded first. */
  captures: '/collect/v1/captures',
  /** POST TerminalStatusReport: the terminal's queue and last error (replay-viewer/collector-status-route.ts). */
  status: '/collect/v1/status',
} as const;

/** What a kiosk terminal reports about itself (shown by `verbatim terminals list`). */
export interface TerminalStatusReport {
  /** The terminal id in the extension's configuration (the token decides who it is). */
  terminalId: string;
  extensionVersion?: string;
  configSource?: string;
  queue: { items: number; bytes: number; oldestAt?: number };
  dropped: { items: number; bytes: number; events: number };
  /** Items the collector refused for good (invalid payloads). */
  refused: number;
  lastUploadAt?: number;
  lastError?: { at: number; kind: string; status?: number; code?: string; message: string };
}
