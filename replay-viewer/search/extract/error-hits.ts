/**
 * Page errors from the recorder's custom events (recorder/page-errors.ts, and the bootstrap's early ones, which
 * carry their real moment in `payload.time`): console.error calls, uncaught exceptions, unhandled rejections.
 * Only the message becomes text; stacks stay in the recording.
 */
import type { CUSTOM_TAGS } from '../../../recorder/protocol';
import type { Hit } from '../types';
import { MAX_HIT_TEXT } from './limits';
import { clean, isObject, num, str } from '../../../recorder/rrweb-wire';

// Typed against the protocol (a renamed tag fails the typecheck) without importing a value.
export const CONSOLE_ERROR_TAG: typeof CUSTOM_TAGS.consoleError = 'verbatim:console-error';
export const UNCAUGHT_ERROR_TAG: typeof CUSTOM_TAGS.uncaughtError = 'verbatim:uncaught-error';
export const PAGE_HIDDEN_TAG: typeof CUSTOM_TAGS.pageHidden = 'verbatim:page-hidden';

/** Errors kept by the bootstrap wait for the recorder (after load, LOAD_WAIT_MS at most, plus a slow load). */
const EARLY_ERROR_WINDOW_MS = 10 * 60_000;

/** A custom event's data; `at` is the event's timestamp. */
export function errorHit(data: unknown, at: number, pageId: string | undefined): Hit | undefined {
  if (!isObject(data) || !isObject(data.payload)) return undefined;
  const { tag, payload } = data;
  if (tag !== CONSOLE_ERROR_TAG && tag !== UNCAUGHT_ERROR_TAG) return undefined;
  const text = clean(str(payload.message) ?? '', MAX_HIT_TEXT);
  if (!text) return undefined;
  const field = tag === CONSOLE_ERROR_TAG ? 'console.error' : payload.rejection === true ? 'unhandled rejection' : 'uncaught error';
  // An early error's own moment, when it is a plausible one: before the event, within the page's load.
  const time = num(payload.time);
  const moment = time !== undefined && time <= at && at - time <= EARLY_ERROR_WINDOW_MS ? time : at;
  return { kind: 'error', at: moment, ...(pageId ? { pageId } : {}), text, field };
}
