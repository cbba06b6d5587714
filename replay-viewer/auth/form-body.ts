/** The small bodies of the access routes (sign-in form, user administration): urlencoded or JSON, bounded. */
import type { IncomingMessage } from 'node:http';
import { FORM_MAX_DEPTH, parseBoundedJson } from '../../store/bounded-json';
import { readBody } from '../../store/bounded-json';

const MAX_FORM_BYTES = 16 * 1024;

export async function readFields(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, MAX_FORM_BYTES)).toString('utf8');
  if (/json/i.test(String(req.headers['content-type'] ?? ''))) {
    const v = parseBoundedJson(text, FORM_MAX_DEPTH);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** A field that must be a string (a nested value is refused, never turned into text). */
export function stringField(fields: Record<string, unknown>, name: string): string {
  const v = fields[name];
  return typeof v === 'string' ? v : '';
}
