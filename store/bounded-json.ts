/**
 * JSON from the network, parsed with a nesting bound. V8's JSON.parse itself copes
 * with deep nesting, but what runs on the value afterwards (String(), validation,
 * masking walkers) recurses, and a few kilobytes of "[[[[…" then overflow the stack
 * and answer 500. One linear scan before the parse refuses such bodies with a 400.
 */
import { VerbatimError } from './errors';

/** Small request bodies (sign-in, user administration, collector metadata). */
export const FORM_MAX_DEPTH = 32;
/**
 * Recorder uploads: an rrweb full snapshot nests two levels per DOM level
 * (node → childNodes), and Chromium's HTML parser stops nesting at 512 elements.
 */
export const EVENTS_MAX_DEPTH = 2048;

/** Deepest nesting of objects and arrays in a JSON text (strings are skipped). */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string, honouring backslash escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}

/** Parses JSON or throws PAYLOAD_INVALID (400): not JSON, or nested deeper than maxDepth. */
export function parseBoundedJson(text: string, maxDepth: number): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new VerbatimError('PAYLOAD_INVALID', `body nests deeper than ${maxDepth} levels`, { maxDepth });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VerbatimError('PAYLOAD_INVALID', 'body is not valid JSON');
  }
}

/** What reading a request body needs of it (a Node IncomingMessage; typed by shape so store/ stays free of HTTP). */
export interface BodyStream extends AsyncIterable<Buffer> {
  headers: Record<string, string | string[] | undefined>;
  resume(): unknown;
}

/** A request body with a hard cap: PAYLOAD_TOO_LARGE (413) as soon as it is declared or read past `maxBytes`. */
export async function readBody(req: BodyStream, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new VerbatimError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limit: maxBytes });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new VerbatimError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limit: maxBytes });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A small JSON object body (sign-in, user administration, collector metadata): capped, nesting bounded, 400 otherwise. */
export async function readJson(req: BodyStream, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, maxBytes);
  const value = parseBoundedJson(body.toString('utf8'), FORM_MAX_DEPTH);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VerbatimError('PAYLOAD_INVALID', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
