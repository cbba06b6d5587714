/**
 * Turns the page's console.error calls, uncaught exceptions and unhandled
 * rejections into custom events. Installed when the recorder runs; what came
 * before is handed over by the proxy's bootstrap (bootstrap.ts) or, in the
 * extension, nothing came before (document_start).
 */
import { CUSTOM_TAGS } from './protocol';
import { describe, stackOf, truncate } from './util';

/** Never throws (the caller guarantees it). */
export type Report = (tag: string, payload: Record<string, unknown>) => void;

export function capturePageErrors(report: Report): void {
  const original = console.error;
  // A plain function (not an arrow) so `this` passes through to the original.
  console.error = function (this: unknown, ...args: unknown[]) {
    try {
      const error = args.find((a) => a instanceof Error);
      report(CUSTOM_TAGS.consoleError, { message: truncate(args.map(describe).join(' ')), stack: stackOf(error) });
    } catch {
      /* recording must never change what the page sees */
    }
    return original.apply(this, args);
  };

  // Bubble phase on window: resource load errors do not bubble, so only script errors arrive.
  addEventListener('error', (e) => {
    try {
      if (!(e instanceof ErrorEvent)) return;
      report(CUSTOM_TAGS.uncaughtError, {
        message: truncate(String(e.message)),
        stack: stackOf(e.error),
        source: truncate(String(e.filename || '')),
        line: e.lineno,
        column: e.colno,
      });
    } catch {
      /* ignore */
    }
  });
  addEventListener('unhandledrejection', (e) => {
    try {
      report(CUSTOM_TAGS.uncaughtError, { message: describe(e.reason), stack: stackOf(e.reason), rejection: true });
    } catch {
      /* ignore */
    }
  });
}
