/**
 * The background (MV3 service worker on Chromium, event page on Firefox): owns
 * the terminal token, the kiosk session, the offline queue and the uploads.
 * Pages never see the token: content scripts hand over what the recorder
 * produced, and only this script talks to the collector.
 */
import browser from 'webextension-polyfill';
import { BackgroundFetcher } from './background-fetch';
import { type KioskConfig, PILOT_KEY, isHome, normalizeConfig, shouldCaptureResource, shouldRecord, shouldRecordFrame } from './config';
import { captureFirefoxBodies } from './firefox-bodies';
import type { ExtensionMessage, PageConfig, ResourceMessage, UploadMessage } from './messages';
import { Queue } from './queue';
import { KioskSessions } from './sessions';
import { StatusReporter } from './status-report';
import { Uploader, type UploaderState } from './uploader';
import type { TerminalStatusReport } from '../../recorder/protocol';

declare const __VERBATIM_BROWSER__: 'chromium' | 'firefox';

const queue = new Queue(200 * 1024 * 1024);
const sessions = new KioskSessions(queue);
let configPromise: Promise<KioskConfig | undefined> | undefined;
let configSource: 'policy' | 'options' | 'none' = 'none';
const UPLOAD_STATE_KEY = 'uploadState';
const target = async () => {
  const c = await config();
  return c && { collectorUrl: c.collectorUrl, token: c.enrolmentToken };
};
/** Chromium's reason for the last failed request per URL (fetch only says "Failed to fetch"). */
const netErrors = new Map<string, string>();
const uploader = new Uploader(queue, target, async (url) => {
  // onErrorOccurred may arrive just after fetch rejects.
  await new Promise((r) => setTimeout(r, 50));
  return netErrors.get(url) ?? '';
}, (state) => {
  void browser.storage.local.set({ [UPLOAD_STATE_KEY]: state });
  reporter.soon();
});
// The last error and upload time survive a stopped service worker.
void browser.storage.local.get(UPLOAD_STATE_KEY).then((v) => {
  const saved = v[UPLOAD_STATE_KEY] as UploaderState | undefined;
  if (saved) uploader.state = { ...saved, ...uploader.state };
});
browser.webRequest?.onErrorOccurred.addListener((d) => {
  // Only the extension's own requests (no tab): the uploads and reports.
  if (d.tabId !== -1) return;
  if (netErrors.size > 100) netErrors.clear();
  netErrors.set(d.url, d.error);
}, { urls: ['http://*/*', 'https://*/*'] });

async function statusReport(): Promise<TerminalStatusReport | undefined> {
  const c = await config();
  if (!c) return undefined;
  const q = await queue.stats();
  const e = uploader.state.lastError;
  return {
    terminalId: c.terminalId,
    extensionVersion: browser.runtime.getManifest().version,
    configSource,
    queue: { items: q.queuedItems, bytes: q.queuedBytes, oldestAt: q.oldestQueuedAt },
    dropped: { items: q.droppedItems, bytes: q.droppedBytes, events: q.droppedEvents },
    refused: uploader.rejected,
    lastUploadAt: uploader.state.lastUploadAt,
    lastError: e && { at: e.at, kind: e.kind, status: e.status, code: e.code, message: e.message },
  };
}
const reporter = new StatusReporter(target, statusReport);
/** Which session each recorded page belongs to: a page never straddles two sessions. */
const pageSessions = new Map<string, string>();
/** What content scripts handed over, per page (since this worker started): the reference for "nothing lost". */
const received: Record<string, { seqs: number[]; events: number }> = {};

function config(): Promise<KioskConfig | undefined> {
  configPromise ??= (async () => {
    let managed: Record<string, unknown> | undefined;
    try {
      managed = await browser.storage.managed.get();
    } catch {
      // No policy (Firefox throws when nothing is managed).
    }
    const fromPolicy = normalizeConfig(managed);
    const c = fromPolicy ?? normalizeConfig((await browser.storage.local.get(PILOT_KEY))[PILOT_KEY] as Record<string, unknown> | undefined);
    configSource = fromPolicy ? 'policy' : c ? 'options' : 'none';
    if (c) queue.setMaxBytes(c.maxQueueBytes);
    return c;
  })();
  return configPromise;
}

browser.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed' || (area === 'local' && PILOT_KEY in changes)) {
    configPromise = undefined;
    uploader.kick();
    reporter.soon();
  }
});

/** The top-level page of a content script's frame (undefined for the top frame itself). */
function topUrlOf(sender: browser.Runtime.MessageSender): string | undefined {
  return sender.frameId ? sender.tab?.url : undefined;
}

async function onUpload(msg: UploadMessage, c: KioskConfig, sender: browser.Runtime.MessageSender): Promise<void> {
  const upload = JSON.parse(msg.body) as { page: { id: string; url: string }; seq: number; viewport?: { width: number; height: number }; events: unknown[]; token?: string };
  if (!shouldRecordFrame(c, upload.page.url, topUrlOf(sender))) return;
  if (!sender.frameId && isHome(c, upload.page.url)) {
    await sessions.end();
    return;
  }
  const idleMs = c.idleTimeoutSeconds * 1000;
  let sessionId = pageSessions.get(upload.page.id);
  const current = await sessions.touch(idleMs, upload.viewport);
  if (!sessionId) {
    sessionId = current;
    pageSessions.set(upload.page.id, sessionId);
  }
  upload.token = sessionId;
  const r = (received[upload.page.id] ??= { seqs: [], events: 0 });
  r.seqs.push(upload.seq);
  r.events += upload.events.length;
  await queue.push({ kind: 'events', sessionId, body: JSON.stringify(upload), eventCount: upload.events.length });
}

async function digestOf(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let captureCounter = 0;
export async function queueResource(r: Omit<ResourceMessage, 'kind' | 'body'>, bytes: Uint8Array | null): Promise<void> {
  const c = await config();
  // The page that loaded it was recorded (content scripts only send then); its own URL is checked against the deny list.
  if (!c || !shouldCaptureResource(c, r.url)) return;
  // A page's resources may arrive before its first events: they open the session too.
  const sessionId = await sessions.touch(c.idleTimeoutSeconds * 1000);
  const digest = bytes ? await digestOf(bytes) : undefined;
  const id = `x${Date.now().toString(36)}${(captureCounter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  await queue.push({
    kind: 'capture', sessionId,
    capture: {
      id, method: 'GET', url: r.url, status: r.status, statusText: r.statusText, headers: r.headers,
      destination: r.destination, startedAt: r.startedAt, timing: r.timing,
      body: bytes && digest ? { digest, size: bytes.byteLength, encoding: '', truncated: r.truncated } : null,
    },
    blob: bytes ?? undefined,
  });
  uploader.kick();
}

// Read-backs are remembered per kiosk session (the one the resource will be queued into, opened if need be).
const fetcher = new BackgroundFetcher(queueResource, async () => {
  const c = await config();
  return c ? sessions.touch(c.idleTimeoutSeconds * 1000) : undefined;
});

browser.runtime.onMessage.addListener(async (raw: unknown, sender: browser.Runtime.MessageSender): Promise<unknown> => {
  const msg = raw as ExtensionMessage;
  if (msg.kind === 'status') return status();
  // Only our own content scripts (and pages of this extension) talk to us.
  if (sender.id !== browser.runtime.id) return undefined;
  const c = await config();
  if (msg.kind === 'page-config') {
    const answer: PageConfig = {
      record: !!c && shouldRecordFrame(c, msg.url, msg.top ? undefined : sender.tab?.url) && !(msg.top && isHome(c, msg.url)),
      refetch: __VERBATIM_BROWSER__ === 'chromium',
      maskSelectors: c?.maskSelectors ?? [],
    };
    if (c && msg.top && isHome(c, msg.url)) await sessions.end();
    return answer;
  }
  if (!c) return undefined;
  if (msg.kind === 'upload') {
    await onUpload(msg, c, sender);
    uploader.kick();
  } else if (msg.kind === 'resource') {
    const { body, kind: _k, ...meta } = msg;
    await queueResource(meta, body ? fromBase64(body) : null);
  } else if (msg.kind === 'resource-ref') {
    const { kind: _k, ...info } = msg;
    void fetcher.fetch(info);
  }
  return undefined;
});

// A service worker may be stopped while items wait for a dead network: wake up and retry.
browser.alarms.create('verbatim-drain', { periodInMinutes: 0.5 });
browser.alarms.onAlarm.addListener(() => {
  uploader.kick();
  void reporter.send();
});
browser.runtime.onStartup.addListener(() => uploader.kick());
uploader.kick();

if (__VERBATIM_BROWSER__ === 'firefox') {
  // webRequest sees every page's responses: keep those of recorded pages.
  captureFirefoxBodies(async (r, bytes, topUrl) => {
    const c = await config();
    if (c && shouldRecord(c, topUrl) && !isHome(c, topUrl)) await queueResource(r, bytes);
  });
}

/** Retry now instead of at the next backoff step (tests; an "upload now" button). */
(globalThis as Record<string, unknown>).verbatimKick = () => uploader.kick();
async function status(): Promise<Record<string, unknown>> {
  const c = await config();
  return {
    ...(await queue.stats()), rejected: uploader.rejected, uploadedBlobBytes: uploader.uploadedBlobBytes,
    session: await sessions.currentId(),
    configured: !!c,
    pendingResources: fetcher.pending,
    configSource,
    terminalId: c?.terminalId,
    collectorUrl: c?.collectorUrl,
    lastRefusal: uploader.lastRefusal,
    lastError: uploader.state.lastError,
    lastUploadAt: uploader.state.lastUploadAt,
    received,
  };
}

/** For tests and the options page's status line. */
(globalThis as Record<string, unknown>).verbatimStatus = status;
/** Sends the status report now (tests). */
(globalThis as Record<string, unknown>).verbatimReport = () => reporter.send();
