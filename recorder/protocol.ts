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
