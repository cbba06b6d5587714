/**
 * The network log's rows on the replay's clock: each HTTP capture, and for each
 * WebSocket connection a row at its first message followed by one row per message
 * (direction, kind, size, a text preview; binary only as its size). Time-ordered,
 * so HTTP requests and WebSocket traffic interleave as they happened.
 */
import type { ApiNetworkLog, ApiWebSocketMessage } from './api';
import { formatBytes } from './format';

export interface NetworkRow {
  /** Epoch ms. */
  at: number;
  kind: 'http' | 'ws' | 'ws-message';
  /** Method, "WS", or the message's direction. */
  request: string;
  status: string;
  /** URL, or the message's preview / description. */
  detail: string;
  /** Full URL or text for a tooltip. */
  title: string;
  type: string;
  size: string;
  direction?: ApiWebSocketMessage['direction'];
}

const ARROWS = { sent: '↑ sent', received: '↓ received' } as const;

export function networkRows(log: ApiNetworkLog): NetworkRow[] {
  const rows: NetworkRow[] = log.captures.map((c) => {
    const type = c.headers.find(([k]) => k === 'content-type')?.[1]?.split(';')[0]?.trim() || c.destination || '';
    return {
      at: c.startedAt, kind: 'http', request: c.method, status: String(c.status), detail: c.url, title: c.url, type,
      size: c.body ? `${formatBytes(c.body.size)}${c.body.truncated ? ' (cut)' : ''}` : '',
    };
  });
  const sockets = new Map<string, ApiWebSocketMessage[]>();
  for (const m of log.webSockets) {
    const list = sockets.get(m.socketId);
    if (list) list.push(m);
    else sockets.set(m.socketId, [m]);
  }
  for (const messages of sockets.values()) {
    const first = messages[0]!;
    const bytes = messages.reduce((sum, m) => sum + m.size, 0);
    rows.push({
      at: first.at, kind: 'ws', request: 'WS', status: '', detail: first.url, title: first.url, type: 'websocket',
      size: `${messages.length} message${messages.length === 1 ? '' : 's'}, ${formatBytes(bytes)}`,
    });
    for (const m of messages) rows.push(messageRow(m));
  }
  // Stable: at equal times captures stay first and a connection's row precedes its first message.
  return rows.map((row, i) => ({ row, i })).sort((a, b) => a.row.at - b.row.at || a.i - b.i).map(({ row }) => row);
}

function messageRow(m: ApiWebSocketMessage): NetworkRow {
  const detail = m.kind === 'binary' ? `binary, ${formatBytes(m.size)}`
    : m.kind === 'close' ? `close${m.preview ? ` ${m.preview}` : ''}`
    : m.preview ?? `text, ${formatBytes(m.size)}`;
  return {
    at: m.at, kind: 'ws-message', request: ARROWS[m.direction], status: '', detail, title: `${m.url}\n${detail}`,
    type: `${m.kind}${m.masked ? ', masked' : ''}`, size: `${formatBytes(m.size)}${m.truncated ? ' (cut)' : ''}`, direction: m.direction,
  };
}
