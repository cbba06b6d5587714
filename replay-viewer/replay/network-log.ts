/**
 * A session's network log (GET /api/sessions/<id>/captures): its HTTP captures
 * (metadata, no bodies) and its WebSocket messages, each message reduced to what
 * a log row shows: text cut to a preview, binary as its size only, a close as
 * its code and reason; and each host's registrable domain (first party or third).
 */
import { getDomain } from 'tldts';
import type { CapturedResource, WebSocketMessage } from '../../store/records';

export const PREVIEW_CHARS = 200;

export type ApiWebSocketMessage = Omit<WebSocketMessage, 'sessionId' | 'data' | 'encoding'> & { preview?: string };

export interface ApiNetworkLog {
  /** Oldest first. */
  captures: CapturedResource[];
  /** Oldest first (then by connection and seq), as the store lists them. */
  webSockets: ApiWebSocketMessage[];
  /**
   * Each host's registrable domain (public-suffix aware), so the waterfall can tell the site's requests from
   * third parties without shipping the suffix list to the browser. An IP address or single-label host is its own.
   */
  sites?: Record<string, string>;
  /** The registrable domain of the session's first page: "the site"; other domains are third parties. */
  site?: string;
}

export function sitesOf(urls: Iterable<string>): Record<string, string> {
  const sites: Record<string, string> = {};
  for (const url of urls) {
    let host: string;
    let hostname: string;
    try {
      ({ host, hostname } = new URL(url));
    } catch {
      continue;
    }
    if (host in sites) continue;
    sites[host] = getDomain(hostname, { allowPrivateDomains: false }) ?? hostname;
  }
  return sites;
}

export function toApiWebSocketMessage(message: WebSocketMessage): ApiWebSocketMessage {
  const { sessionId: _session, data, encoding, ...rest } = message;
  const preview = message.kind === 'text' && encoding === 'utf8' ? cut(data)
    : message.kind === 'close' && encoding === 'base64' ? closePreview(Buffer.from(data, 'base64')) : undefined;
  return preview === undefined ? rest : { ...rest, preview };
}

function cut(text: string): string {
  if (text.length <= PREVIEW_CHARS) return text;
  // Never end on half a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[PREVIEW_CHARS - 1]!) ? PREVIEW_CHARS - 1 : PREVIEW_CHARS;
  return `${text.slice(0, end)}…`;
}

/** A close frame's payload: a 2-byte status code, then an optional UTF-8 reason. */
function closePreview(payload: Buffer): string | undefined {
  if (payload.length < 2) return undefined;
  return cut(`${payload.readUInt16BE(0)} ${payload.subarray(2).toString('utf8')}`.trim());
}
