/**
 * The network waterfall's rows: one per HTTP capture and one per WebSocket connection (its messages kept on the
 * row for the details pane), time-ordered. Each row carries what the waterfall draws and filters on: its start and
 * end on the replay's clock, a type bucket, its host and whether that host belongs to the session's site.
 *
 * What a capture holds of timing (store/records.ts CapturedResource): when the request reached the capture point,
 * the time to the response headers and the time to the last body byte. So a bar shows "waiting" (request sent to
 * headers) and "download" (headers to last byte); DNS, connect and TLS happen between the browser and the proxy and
 * are not seen there. A connection's bar spans its first to its last recorded message.
 */
import type { ApiNetworkLog, ApiWebSocketMessage } from './api';
import type { CapturedResource } from '../../store/records';

export const TYPE_FILTERS = ['doc', 'css', 'js', 'img', 'font', 'xhr-fetch', 'ws', 'other'] as const;
export type RequestType = (typeof TYPE_FILTERS)[number];

export const TYPE_TEXT: Record<RequestType, string> = {
  doc: 'Doc', css: 'CSS', js: 'JS', img: 'Img', font: 'Font', 'xhr-fetch': 'Fetch/XHR', ws: 'WS', other: 'Other',
};

export interface WaterfallRow {
  /** Position in the whole list (stable across filters): the row's id and aria-rowindex come from it. */
  index: number;
  kind: 'http' | 'ws';
  method: string;
  url: string;
  host: string;
  /** The host's registrable domain is not the session's site. */
  thirdParty: boolean;
  /** Offsets (ms after the replay's first event); end ≥ start. */
  start: number;
  end: number;
  /** Status code ('' for a connection); error: ≥ 400, or the upstream cut the response off or went silent. */
  status: string;
  error: boolean;
  type: RequestType;
  /** The content type (without parameters), or the Sec-Fetch-Dest when there is none. */
  mime: string;
  /** Bytes stored of the body (as on the wire unless masked), or the messages' bytes; undefined: no body. */
  size?: number;
  capture?: CapturedResource;
  messages?: ApiWebSocketMessage[];
}

export function waterfallRows(log: ApiNetworkLog, first: number): WaterfallRow[] {
  const sites = log.sites ?? {};
  const site = log.site;
  const party = (host: string): boolean => site !== undefined && (sites[host] ?? host) !== site;
  const rows: Omit<WaterfallRow, 'index'>[] = log.captures.map((c) => {
    const host = hostOf(c.url);
    const mime = header(c, 'content-type')?.split(';')[0]?.trim().toLowerCase() || c.destination || '';
    const start = c.startedAt - first;
    return {
      kind: 'http', method: c.method, url: c.url, host, thirdParty: party(host),
      start, end: start + Math.max(0, c.timing?.totalMs ?? 0),
      status: String(c.status), error: c.status >= 400 || c.status === 0 || c.incomplete?.reason === 'upstream-aborted' || c.incomplete?.reason === 'upstream-timeout',
      type: typeOf(c.destination, mime), mime, size: c.body?.size, capture: c,
    };
  });
  const sockets = new Map<string, ApiWebSocketMessage[]>();
  for (const m of log.webSockets) {
    const list = sockets.get(m.socketId);
    if (list) list.push(m);
    else sockets.set(m.socketId, [m]);
  }
  for (const messages of sockets.values()) {
    const firstMessage = messages[0]!;
    const host = hostOf(firstMessage.url);
    rows.push({
      kind: 'ws', method: 'WS', url: firstMessage.url, host, thirdParty: party(host),
      start: firstMessage.at - first, end: messages[messages.length - 1]!.at - first,
      status: '', error: false, type: 'ws', mime: 'websocket', size: messages.reduce((sum, m) => sum + m.size, 0), messages,
    });
  }
  // Stable: at equal times captures keep their order and come before connections.
  return rows.map((row, i) => ({ row, i })).sort((a, b) => a.row.start - b.row.start || a.i - b.i)
    .map(({ row }, index) => ({ ...row, index }));
}

/** Sec-Fetch-Dest says what the browser asked for; the content type decides when it is missing or generic. */
function typeOf(destination: string | undefined, mime: string): RequestType {
  switch (destination) {
    case 'document': case 'iframe': case 'frame': return 'doc';
    case 'style': return 'css';
    case 'script': case 'worker': case 'sharedworker': case 'serviceworker': return 'js';
    case 'image': return 'img';
    case 'font': return 'font';
    case 'empty': return 'xhr-fetch';
    default: break;
  }
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'doc';
  if (mime === 'text/css') return 'css';
  if (/javascript|ecmascript/.test(mime)) return 'js';
  if (mime.startsWith('image/')) return 'img';
  if (mime.startsWith('font/') || /woff|opentype|truetype/.test(mime)) return 'font';
  if (/json|xml|text\/plain|event-stream/.test(mime)) return 'xhr-fetch';
  return 'other';
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

export function header(c: CapturedResource, name: string): string | undefined {
  return c.headers.find(([k]) => k === name)?.[1];
}
