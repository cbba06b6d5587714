/**
 * A session's network traffic as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the format browser
 * DevTools, proxies and support tools import: `verbatim export SESSION --out FILE.har` and the viewer's export
 * button. One entry per capture, in time order, with the body as it was stored (masked bodies stay masked, personal
 * bodies are opened with the session's key: the export is permission-gated and audited like the replay), and one
 * entry per WebSocket connection carrying its messages the way Chromium writes them (`_webSocketMessages`).
 *
 * What a capture point never kept is written as HAR's "unknown": request headers (-1 sizes, an empty list),
 * DNS/connect times (-1). Bodies are decoded from their Content-Encoding so `content.text` is what a browser saw;
 * text types as UTF-8, anything else base64.
 */
import type { CapturedResource, PageView, WebSocketMessage } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import { canDecode, decodeBody, parseEncodings } from '../../replay-viewer/replay/content-encoding';

export interface HarOptions {
  /** HAR's `creator`. */
  creator?: { name: string; version: string };
  /** Called after each capture is read: (captures done, captures in the session). */
  onProgress?: (done: number, total: number) => void;
}

/** The HAR document of one session (a plain object: JSON.stringify it). */
export async function buildHar(store: VerbatimStore, sessionId: string, options: HarOptions = {}): Promise<Har> {
  const session = await store.getSession(sessionId);
  if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  const captures = (await store.listCaptures(sessionId)).filter((c) => /^https?:/i.test(c.url)).sort((a, b) => a.startedAt - b.startedAt);
  const pages = harPages(session.pages, captures);
  const entries: HarEntry[] = [];
  let done = 0;
  for (const capture of captures) {
    const stored = capture.body ? await store.getBlob(capture.body.digest, capture.sessionId) : undefined;
    const posted = capture.requestBody ? await store.getBlob(capture.requestBody.digest, capture.sessionId) : undefined;
    entries.push(captureEntry(capture, stored, posted, pageOf(pages, capture.startedAt)));
    options.onProgress?.(++done, captures.length);
  }
  for (const socket of groupBySocket(await store.listWebSocketMessages(sessionId))) {
    entries.push(webSocketEntry(socket, pageOf(pages, socket[0]!.at)));
  }
  entries.sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime));
  return {
    log: {
      version: '1.2',
      creator: options.creator ?? { name: 'Verbatim', version: '0.1.0' },
      pages: pages.map((p) => p.page),
      entries,
      comment: `Verbatim session ${sessionId}, ${session.channel}. Bodies as stored: masked values stay masked; request headers and cookies were not recorded.`,
    },
  };
}

// ── pages ──────────────────────────────────────────────────────────────────────────────────────────────────────

interface PageSpan { page: HarPage; from: number }

/**
 * A page's entries start with its document's request, which precedes the page view the recorder reports (the
 * recorder runs once the document arrived); so each page begins at the last document capture of its URL at or
 * before its start, or at its start when there is none (an SPA route change).
 */
function harPages(views: readonly PageView[], captures: readonly CapturedResource[]): PageSpan[] {
  return views.map((view, i) => {
    const doc = captures.filter((c) => c.destination === 'document' && c.url === view.url && c.startedAt <= view.startedAt).at(-1);
    const from = doc?.startedAt ?? view.startedAt;
    return {
      from,
      page: { startedDateTime: iso(from), id: view.id || `page_${i + 1}`, title: view.title || view.url, pageTimings: { onContentLoad: -1, onLoad: -1 } },
    };
  });
}

/** The page an entry at `at` belongs to: the last one started by then (the first page for anything earlier). */
function pageOf(pages: readonly PageSpan[], at: number): string | undefined {
  let id = pages[0]?.page.id;
  for (const p of pages) if (p.from <= at) id = p.page.id;
  return id;
}

// ── HTTP entries ───────────────────────────────────────────────────────────────────────────────────────────────

function captureEntry(capture: CapturedResource, stored: Uint8Array | undefined, posted: Uint8Array | undefined, pageref: string | undefined): HarEntry {
  const wait = Math.max(0, capture.timing.headersMs);
  const receive = Math.max(0, capture.timing.totalMs - capture.timing.headersMs);
  const contentType = header(capture.headers, 'content-type') ?? '';
  const notes = entryNotes(capture, stored);
  const request: HarRequest = {
    method: capture.method,
    url: capture.url,
    httpVersion: 'HTTP/1.1',
    cookies: [],
    headers: [],
    queryString: queryOf(capture.url),
    headersSize: -1,
    bodySize: capture.requestBody ? capture.requestBody.size : 0,
  };
  if (capture.requestBody) {
    const text = posted ? Buffer.from(posted).toString('utf8') : '';
    request.postData = { mimeType: capture.requestBody.contentType, text, params: [], ...(posted ? {} : { comment: 'request body no longer in the store' }) };
  }
  return {
    ...(pageref ? { pageref } : {}),
    startedDateTime: iso(capture.startedAt),
    time: wait + receive,
    request,
    response: {
      status: capture.status,
      statusText: capture.statusText ?? '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: capture.headers.map(([name, value]) => ({ name, value })),
      content: contentOf(capture, stored, contentType),
      redirectURL: header(capture.headers, 'location') ?? '',
      headersSize: -1,
      bodySize: capture.body ? capture.body.size : 0,
      ...(notes.length ? { comment: notes.join('; ') } : {}),
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive },
    ...(capture.destination ? { _resourceType: resourceType(capture.destination) } : {}),
  };
}

function contentOf(capture: CapturedResource, stored: Uint8Array | undefined, mimeType: string): HarContent {
  if (!capture.body || !stored) return { size: 0, mimeType };
  const encodings = parseEncodings(capture.body.encoding);
  let bytes: Buffer;
  try {
    bytes = canDecode(encodings) ? decodeBody(stored, encodings, capture.body.truncated) : Buffer.from(stored);
  } catch {
    bytes = Buffer.from(stored); // undecodable as received: kept as the wire bytes
  }
  const compression = stored.byteLength - bytes.byteLength;
  const base = { size: bytes.byteLength, mimeType, ...(compression > 0 ? { compression } : {}) };
  return isText(mimeType) && isUtf8(bytes) ? { ...base, text: bytes.toString('utf8') } : { ...base, text: bytes.toString('base64'), encoding: 'base64' };
}

function entryNotes(capture: CapturedResource, stored: Uint8Array | undefined): string[] {
  const notes: string[] = [];
  if (capture.body?.truncated) notes.push(`body truncated at the capture cap (${capture.body.size} bytes kept)`);
  if (capture.body?.masked) notes.push('body masked before it was stored');
  if (capture.body && !stored) notes.push('body no longer in the store (erased or expired)');
  if (capture.incomplete) notes.push(`incomplete: ${capture.incomplete.reason}`);
  if (capture.revalidatedFrom) notes.push('304 revalidated: body from the earlier capture');
  return notes;
}

// ── WebSocket entries ──────────────────────────────────────────────────────────────────────────────────────────

function groupBySocket(messages: readonly WebSocketMessage[]): WebSocketMessage[][] {
  const sockets = new Map<string, WebSocketMessage[]>();
  for (const m of messages) sockets.set(m.socketId, [...(sockets.get(m.socketId) ?? []), m]);
  return [...sockets.values()].map((list) => list.sort((a, b) => a.at - b.at || a.seq - b.seq));
}

/** Chromium's own HAR shape for a WebSocket: the 101 upgrade with `_webSocketMessages` (time in seconds). */
function webSocketEntry(messages: readonly WebSocketMessage[], pageref: string | undefined): HarEntry {
  const first = messages[0]!;
  const last = messages.at(-1)!;
  const url = first.url;
  return {
    ...(pageref ? { pageref } : {}),
    startedDateTime: iso(first.at),
    time: Math.max(0, last.at - first.at),
    request: { method: 'GET', url, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: queryOf(url), headersSize: -1, bodySize: 0 },
    response: {
      status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', cookies: [], headers: [],
      content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: 0,
      comment: 'the upgrade exchange itself was not recorded; messages as they passed the capture point',
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 0, receive: 0 },
    _resourceType: 'websocket',
    _webSocketMessages: messages.filter((m) => m.kind !== 'close').map((m) => ({
      type: m.direction === 'sent' ? 'send' : 'receive',
      time: m.at / 1000,
      opcode: m.kind === 'text' ? 1 : 2,
      data: m.data,
    })),
  };
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────────────

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function header(headers: readonly [string, string][], name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

function queryOf(url: string): { name: string; value: string }[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

const TEXT_TYPE = /^(text\/|application\/(json|javascript|ecmascript|xml|xhtml\+xml|x-www-form-urlencoded|manifest\+json|ld\+json)|image\/svg\+xml)|\+json|\+xml/i;

function isText(mimeType: string): boolean {
  return TEXT_TYPE.test(mimeType.trim());
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Chromium's `_resourceType` names for Sec-Fetch-Dest values. */
function resourceType(destination: string): string {
  switch (destination) {
    case 'document': case 'iframe': case 'frame': return 'document';
    case 'style': return 'stylesheet';
    case 'script': case 'worker': case 'sharedworker': case 'serviceworker': return 'script';
    case 'image': return 'image';
    case 'font': return 'font';
    case 'audio': case 'video': case 'track': return 'media';
    case 'manifest': return 'manifest';
    case 'empty': return 'fetch';
    default: return 'other';
  }
}

// ── HAR 1.2 types (the subset written here) ────────────────────────────────────────────────────────────────────

export interface Har { log: { version: '1.2'; creator: { name: string; version: string }; pages: HarPage[]; entries: HarEntry[]; comment?: string } }
export interface HarPage { startedDateTime: string; id: string; title: string; pageTimings: { onContentLoad: number; onLoad: number } }
interface NameValue { name: string; value: string }
interface HarRequest {
  method: string; url: string; httpVersion: string; cookies: NameValue[]; headers: NameValue[]; queryString: NameValue[];
  postData?: { mimeType: string; text: string; params: NameValue[]; comment?: string }; headersSize: number; bodySize: number;
}
interface HarContent { size: number; mimeType: string; compression?: number; text?: string; encoding?: 'base64' }
export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: {
    status: number; statusText: string; httpVersion: string; cookies: NameValue[]; headers: NameValue[]; content: HarContent;
    redirectURL: string; headersSize: number; bodySize: number; comment?: string;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; ssl: number; send: number; wait: number; receive: number };
  _resourceType?: string;
  _webSocketMessages?: { type: 'send' | 'receive'; time: number; opcode: number; data: string }[];
}
