/**
 * The wire contract between the in-page recorder and whatever ingests its
 * uploads (the proxy's reserved endpoint today, the kiosk collector later).
 * Dependency-free: it is bundled into the recorder.
 */
import type { RecordedEvent, Viewport } from '../store/records';

/** Every URL under this path on any origin is answered by Verbatim, never by the site. */
export const RESERVED_PREFIX = '/__verbatim/';
/** The recorder bundle: `${RECORDER_PATH_PREFIX}<content-hash>.js`, immutable. */
export const RECORDER_PATH_PREFIX = '/__verbatim/recorder-';
/** POST target for event uploads (same origin as the page). */
export const EVENTS_PATH = '/__verbatim/events';

/** Attributes on the injected <script> tag that configure the recorder. */
export const TOKEN_ATTRIBUTE = 'data-verbatim-token';
export const ENDPOINT_ATTRIBUTE = 'data-verbatim-endpoint';

/** Default cap on one upload; the recorder splits batches well below it. */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
/** Keepalive fetches (used on pagehide) are limited to 64 KiB by browsers. */
export const KEEPALIVE_LIMIT_BYTES = 60 * 1024;

/** rrweb custom-event tags the recorder emits besides rrweb's own events. */
export const CUSTOM_TAGS = {
  consoleError: 'verbatim:console-error',
  uncaughtError: 'verbatim:uncaught-error',
  recorderFailure: 'verbatim:recorder-failure',
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
}

/**
 * Optional script-tag attribute (or `frameParents` in window.__verbatimConfig):
 * space-separated origins a cross-origin frame may hand its events to. Absent =
 * any parent (rrweb posts a child frame's events to its parent with targetOrigin '*').
 */
export const FRAME_PARENTS_ATTRIBUTE = 'data-verbatim-frame-parents';
/** postMessage type a recording frame sends to its child frames after its full snapshot. */
export const SNAPSHOT_REQUEST_MESSAGE = 'verbatim:snapshot-request';

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
