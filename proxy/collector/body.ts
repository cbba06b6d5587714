/** Request bodies for the collector: read with a hard cap (413 past it), parse JSON (bounded nesting) with a 400 reason. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FORM_MAX_DEPTH, parseBoundedJson } from '../../store/bounded-json';
import { VerbatimError } from '../../store/errors';

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new VerbatimError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limit: maxBytes });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new VerbatimError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limit: maxBytes });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, maxBytes);
  const value = parseBoundedJson(body.toString('utf8'), FORM_MAX_DEPTH);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VerbatimError('PAYLOAD_INVALID', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A JSON answer (the collector's clients are extensions, not browsers rendering it). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
