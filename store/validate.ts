import { VerbatimError } from './errors';
import type { CapturedResource, EventBatch, SessionInit, SessionNote, WebSocketMessage } from './records';

/**
 * Input checks shared by store backends. Ids and URLs become parts of keys, so
 * they must be non-empty strings free of \0 (the key separator). Messages name
 * the field, never echo the value (it may carry user data).
 */

const MAX_ID_LENGTH = 512;
/** Times and sequence numbers fit 15 decimal digits (backends may zero-pad them in keys). */
export const MAX_TIME = 10 ** 15 - 1;

function invalid(field: string, why: string): VerbatimError {
  return new VerbatimError('BAD_REQUEST', `${field} ${why}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function assertId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH || value.includes('\u0000')) {
    throw invalid(field, `must be a non-empty string of at most ${MAX_ID_LENGTH} characters without NUL`);
  }
}

export function assertUrl(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\u0000')) {
    throw invalid(field, 'must be a non-empty string without NUL');
  }
}

export function assertTime(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIME) {
    throw invalid(field, 'must be a non-negative epoch-ms number');
  }
}

export function assertSessionInit(init: SessionInit): void {
  if (!isRecord(init)) throw invalid('session', 'must be an object');
  assertId(init.id, 'session.id');
  assertTime(init.startedAt, 'session.startedAt');
  if (init.endedAt !== undefined) assertTime(init.endedAt, 'session.endedAt');
  if (typeof init.channel !== 'string') throw invalid('session.channel', 'must be a string');
}

export function assertCapture(capture: CapturedResource): void {
  if (!isRecord(capture)) throw invalid('capture', 'must be an object');
  assertId(capture.id, 'capture.id');
  assertUrl(capture.url, 'capture.url');
  assertTime(capture.startedAt, 'capture.startedAt');
  if (capture.sessionId !== undefined) assertId(capture.sessionId, 'capture.sessionId');
  if (capture.body !== null) {
    if (!isRecord(capture.body) || typeof capture.body.digest !== 'string') {
      throw invalid('capture.body', 'must be null or carry a digest');
    }
  }
}

export function assertBatch(batch: EventBatch): void {
  if (!isRecord(batch)) throw invalid('batch', 'must be an object');
  assertId(batch.sessionId, 'batch.sessionId');
  if (!isRecord(batch.page)) throw invalid('batch.page', 'must be an object');
  assertId(batch.page.id, 'batch.page.id');
  if (typeof batch.page.url !== 'string') throw invalid('batch.page.url', 'must be a string');
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 0 || batch.seq > MAX_TIME) {
    throw invalid('batch.seq', 'must be a non-negative integer');
  }
  assertTime(batch.receivedAt, 'batch.receivedAt');
  if (batch.context !== undefined && !isRecord(batch.context)) throw invalid('batch.context', 'must be an object');
  if (!Array.isArray(batch.events)) throw invalid('batch.events', 'must be an array');
  for (const event of batch.events) {
    if (!isRecord(event)) throw invalid('batch.events[]', 'must be objects');
    assertTime(event.timestamp, 'batch.events[].timestamp');
  }
}

export function assertWebSocketMessage(m: WebSocketMessage): void {
  if (!isRecord(m)) throw invalid('message', 'must be an object');
  assertId(m.sessionId, 'message.sessionId');
  assertId(m.socketId, 'message.socketId');
  assertUrl(m.url, 'message.url');
  assertTime(m.at, 'message.at');
  if (!Number.isSafeInteger(m.seq) || m.seq < 0) throw invalid('message.seq', 'must be a non-negative integer');
  if (m.direction !== 'sent' && m.direction !== 'received') throw invalid('message.direction', "must be 'sent' or 'received'");
  if (!['text', 'binary', 'close'].includes(m.kind)) throw invalid('message.kind', "must be 'text', 'binary' or 'close'");
  if (!Number.isSafeInteger(m.size) || m.size < 0) throw invalid('message.size', 'must be a non-negative integer');
  if (typeof m.data !== 'string' || (m.encoding !== 'utf8' && m.encoding !== 'base64')) throw invalid('message.data', 'must be a string in utf8 or base64');
  if (typeof m.truncated !== 'boolean') throw invalid('message.truncated', 'must be a boolean');
}

/** A note's text may be long, not unbounded: the store keeps it whole in one record. */
export const MAX_NOTE_TEXT = 10_000;
const MAX_AUTHOR = 200;

export function assertNote(n: SessionNote): void {
  if (!isRecord(n)) throw invalid('note', 'must be an object');
  assertId(n.sessionId, 'note.sessionId');
  assertId(n.id, 'note.id');
  assertTime(n.at, 'note.at');
  assertTime(n.createdAt, 'note.createdAt');
  if (n.updatedAt !== undefined) assertTime(n.updatedAt, 'note.updatedAt');
  if (n.pageId !== undefined) assertId(n.pageId, 'note.pageId');
  if (n.track !== undefined && (!Number.isSafeInteger(n.track) || n.track < 0)) throw invalid('note.track', 'must be a non-negative integer');
  if (typeof n.author !== 'string' || !n.author || n.author.length > MAX_AUTHOR) throw invalid('note.author', `must be a non-empty string of at most ${MAX_AUTHOR} characters`);
  if (typeof n.text !== 'string' || n.text.length > MAX_NOTE_TEXT) throw invalid('note.text', `must be a string of at most ${MAX_NOTE_TEXT} characters`);
}
