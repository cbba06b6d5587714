/** Messages from content scripts to the background. */
export interface UploadMessage {
  kind: 'upload';
  /** The recorder's RecorderUpload JSON (its token is the per-page secret, replaced in the background). */
  body: string;
}
export interface ResourceMessage {
  kind: 'resource';
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  destination: string;
  startedAt: number;
  timing: { headersMs: number; totalMs: number };
  /** base64 (runtime messages are JSON in Chromium); null for a bodiless answer (a redirect). */
  body: string | null;
  truncated: boolean;
}
/** A resource the content script could not read (CORS): the background fetches it. */
export interface ResourceRefMessage {
  kind: 'resource-ref';
  url: string;
  initiatorType: string;
  startedAt: number;
  timing: { headersMs: number; totalMs: number };
}
export interface PageConfigMessage {
  kind: 'page-config';
  url: string;
  top: boolean;
}
export interface PageConfig {
  record: boolean;
  /** Refetch resources from the HTTP cache in the content script (Chromium); Firefox reads them in the background. */
  refetch: boolean;
  maskSelectors: string[];
}
export type ExtensionMessage = UploadMessage | ResourceMessage | ResourceRefMessage | PageConfigMessage | { kind: 'status' };
