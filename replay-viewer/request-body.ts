/** Request bodies of the viewer's own routes (sign-in, user administration): read with a hard cap (413 past it), JSON with bounded nesting. */
import type { IncomingMessage } from 'node:http';
import { FORM_MAX_DEPTH, parseBoundedJson } from '../store/bounded-json';
import { VerbatimError } from '../store/errors';

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
