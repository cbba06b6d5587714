/** The collector's JSON answers; request bodies are read by store/bounded-json.ts (capped, nesting bounded). */
import type { ServerResponse } from 'node:http';

export { readBody, readJson } from '../../store/bounded-json';

/** A JSON answer (the collector's clients are extensions, not browsers rendering it). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
