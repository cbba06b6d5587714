/**
 * What an answer from the collector means for the queue. Only an item the
 * collector itself refuses with a coded reason (an invalid payload) may leave
 * the queue unsent: everything else — a wrong collector URL (404, a redirect, a
 * page that is not the collector), an unknown or revoked token (401), DNS, TLS
 * or connection failures, server errors — is a condition IT fixes, so the items
 * stay queued (bounded by maxQueueBytes) and are retried with backoff.
 */

export type UploadErrorKind = 'network' | 'config' | 'server' | 'refused';

export interface UploadError {
  at: number;
  kind: UploadErrorKind;
  /** The collector endpoint, e.g. /collect/v1/events. */
  path: string;
  status?: number;
  /** The collector's error code, when it gave one. */
  code?: string;
  /** What happened and what to do, for the options page and `verbatim terminals list`. */
  message: string;
}

/** Verdict on one answer: keep (retry later), drop (refused for good), recreate (the session is unknown there). */
export type Verdict = 'keep' | 'drop' | 'recreate';

/** Collector codes that refuse the item itself: resending it cannot succeed. */
const ITEM_REFUSALS = new Set(['PAYLOAD_INVALID', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'SESSION_FORGED']);

export function classify(status: number, code: string | undefined, path: string, reason: string, at = Date.now()): { verdict: Verdict; error: UploadError } {
  const base = { at, path, status, code };
  const said = reason ? ` (${reason})` : '';
  if (code === 'SESSION_UNKNOWN') {
    return { verdict: 'recreate', error: { ...base, kind: 'config', message: `${status} ${path}: the collector does not know this session${said}; sending its opening again` } };
  }
  if (code && ITEM_REFUSALS.has(code)) {
    return { verdict: 'drop', error: { ...base, kind: 'refused', message: `${status} ${path}: the collector refused the item${said}` } };
  }
  if (status >= 500 || status === 408 || status === 429) {
    return { verdict: 'keep', error: { ...base, kind: 'server', message: `${status} ${path}: the collector is unavailable or failing${said}; retrying` } };
  }
  if (status === 401) {
    return {
      verdict: 'keep',
      error: { ...base, kind: 'config', message: `401 ${path}: the collector refused this terminal's token${said || ' (unknown or revoked)'}. Issue one with \`verbatim terminals add <terminal-id>\` and put it in the policy as enrolmentToken. Recordings stay queued.` },
    };
  }
  if (status === 404 || status === 405) {
    return {
      verdict: 'keep',
      error: { ...base, kind: 'config', message: `${status} ${path}: no Verbatim collector at this URL${said}. Set collectorUrl to the Verbatim server's viewer URL (e.g. https://verbatim.bank.internal:8081, with or without /collect/v1/). Recordings stay queued.` },
    };
  }
  return {
    verdict: 'keep',
    error: { ...base, kind: 'config', message: `${status} ${path}: the collector URL answered with an error that is not the collector's${said}; check collectorUrl and any proxy in between. Recordings stay queued.` },
  };
}

/** A fetch that never got an answer: DNS, TLS, refused connection, offline. `detail` is Chromium's net error when known. */
export function networkError(path: string, detail: string, at = Date.now()): UploadError {
  return {
    at, path, kind: 'network',
    message: `${path}: could not reach the collector (${detail || 'network error'}): check the host name (DNS), its TLS certificate and that it is reachable. Recordings stay queued.`,
  };
}

/** A 2xx or 3xx that is not the collector's (a login portal, a redirect): the items must not be taken as delivered. */
export function notTheCollector(path: string, what: string, at = Date.now()): UploadError {
  return {
    at, path, kind: 'config',
    message: `${path}: ${what}, which is not the Verbatim collector. Set collectorUrl to the Verbatim server's own URL (no redirect in between). Recordings stay queued.`,
  };
}
