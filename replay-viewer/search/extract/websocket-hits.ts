/**
 * WebSocket endpoints as hits: one per distinct host and path in a session, at the time of its first message
 * (messages carry payloads the network log keeps; the index only needs to know the socket was there).
 */
import type { WebSocketMessage } from '../../../store/records';
import type { Hit } from '../types';
import { MAX_WEBSOCKET_ENDPOINTS } from './limits';
import { urlParts } from './url-parts';
import { isObject, list, num } from '../../../recorder/rrweb-wire';

export class WebSocketEndpoints {
  private readonly seen = new Set<string>();

  /** Hits for endpoints not seen before, in the order of their first message. */
  add(messages: WebSocketMessage[]): Hit[] {
    const first = new Map<string, Hit>();
    for (const m of list(messages)) {
      if (!isObject(m)) continue;
      const at = num(m.at);
      const parts = urlParts(m.url);
      if (at === undefined || !parts) continue;
      const key = `${parts.host}${parts.path}`;
      if (this.seen.has(key)) continue;
      const known = first.get(key);
      if (known) {
        known.at = Math.min(known.at, at);
      } else if (this.seen.size + first.size < MAX_WEBSOCKET_ENDPOINTS) {
        first.set(key, { kind: 'websocket', at, text: parts.display, host: parts.host, path: parts.path });
      }
    }
    for (const key of first.keys()) this.seen.add(key);
    return [...first.values()].sort((a, b) => a.at - b.at);
  }
}
