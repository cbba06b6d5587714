/**
 * A session's network log (GET /api/sessions/<id>/captures): its HTTP captures
 * (metadata, no bodies) and its WebSocket messages, each message reduced to what
 * a log row shows: text cut to a preview, binary as its size only, a close as
 * its code and reason.
 */
import type { CapturedResource, WebSocketMessage } from '../../store/records';

export const PREVIEW_CHARS = 200;

export type ApiWebSocketMessage = Omit<WebSocketMessage, 'sessionId' | 'data' | 'encoding'> & { preview?: string };

export interface ApiNetworkLog {
  /** Oldest first. */
  captures: CapturedResource[];
  /** Oldest first (then by connection and seq), as the store lists them. */
  webSockets: ApiWebSocketMessage[];
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
