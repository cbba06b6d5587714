/**
 * The terminal tells the collector how it is doing (queue, drops, last error), so
 * `verbatim terminals list` shows each terminal's state without visiting it. Sent
 * on the background's 30 s alarm and after the state changes (at most every 10 s).
 *
 * A report must get through exactly when uploads do not: with an unknown token the
 * collector still notes that this terminal id tried (collector-status-route.ts),
 * and when the configured URL has a wrong path the server's root is tried too.
 */
import { COLLECT_PATHS, type TerminalStatusReport } from '../../recorder/protocol';
import type { UploadTarget } from './uploader';

const MIN_INTERVAL_MS = 10_000;

export class StatusReporter {
  private lastSent = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending = false;

  constructor(private readonly target: () => Promise<UploadTarget | undefined>, private readonly build: () => Promise<TerminalStatusReport | undefined>) {}

  /** Sends soon (now, or once MIN_INTERVAL_MS has passed since the last report). */
  soon(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSent + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, wait);
  }

  async send(): Promise<boolean> {
    if (this.sending) return false;
    this.sending = true;
    this.lastSent = Date.now();
    try {
      const [target, report] = await Promise.all([this.target(), this.build()]);
      if (!target || !report) return false;
      const body = JSON.stringify(report);
      for (const base of candidates(target.collectorUrl)) {
        try {
          const res = await fetch(base + COLLECT_PATHS.status, {
            method: 'POST', body, cache: 'no-store', credentials: 'omit', redirect: 'manual',
            headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
          });
          // 401 also counts: the collector noted the attempt (and the terminal keeps its queue).
          if (res.ok || res.status === 401) return true;
        } catch {
          /* unreachable: try the next form, else the next alarm */
        }
      }
      return false;
    } finally {
      this.sending = false;
    }
  }
}

/** The configured base, then the server's root when the base has a path (a wrong prefix pasted into the policy). */
function candidates(base: string): string[] {
  try {
    const origin = new URL(base).origin;
    return origin === base ? [base] : [base, origin];
  } catch {
    return [base];
  }
}
