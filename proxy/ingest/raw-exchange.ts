import type { CaptureIncomplete } from '../../store/records';

/**
 * What a capture point (forward proxy, gateway, kiosk collector) hands the ingest pipeline: an HTTP exchange as it
 * crossed the wire, before any masking. Lives only in memory; nothing of it is written before the pipeline masked it.
 */
export interface RawExchange {
  sessionId?: string;
  /** Instead of sessionId: the session once the proxy has learnt it (a cookie of before a restart). Never awaited on the request path. */
  sessionLater?: Promise<string | undefined>;
  method: string;
  url: string;
  status: number;
  statusText?: string;
  /** Response headers as [name, value] pairs, names lower-cased. */
  headers: [string, string][];
  destination?: string;
  /** Epoch ms: request arrived, response headers, last byte (or the cut). */
  startedAt: number;
  headersAt: number;
  endedAt: number;
  /** The response body as on the wire (still content-encoded), up to the capture cap. */
  body: { bytes: Buffer; truncated: boolean } | null;
  /** The customer did not get the whole response, or its bytes do not decode (store/records.ts). */
  incomplete?: CaptureIncomplete;
  /** Form/JSON request body (masked before it is stored). */
  requestBody?: { bytes: Buffer; contentType: string; truncated: boolean };
  /** 'session' when only this session's replay may use it (kiosk uploads no trusted capture confirms). */
  scope?: 'session';
}

/** Where a recorder upload came from, as the ingest point authenticated it. */
export interface UploadSource {
  sessionId: string;
  /** Client address (trusted X-Forwarded-For in gateway mode). */
  clientIp?: string;
  /** The User-Agent header of the upload request. */
  userAgent?: string;
}
