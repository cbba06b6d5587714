/**
 * Kiosk session boundaries. One terminal, one customer at a time: a session
 * spans every tab until the terminal is idle for idleTimeoutSeconds or returns
 * to its home URL. The session id is made here, so sessions start offline too;
 * the collector learns of it from the queued 'session' item.
 */
import browser from 'webextension-polyfill';
import type { Queue } from './queue';

interface Current {
  id: string;
  lastActivity: number;
}

const KEY = 'kioskSession';

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `k${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export class KioskSessions {
  private current: Current | undefined;
  private loaded: Promise<void>;
  /** touch() calls run one at a time, so simultaneous uploads cannot open two sessions. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly queue: Queue) {
    // A restarted service worker continues the session it had.
    this.loaded = browser.storage.local.get(KEY).then((v) => { this.current = v[KEY] as Current | undefined; });
  }

  /** The session activity at `now` belongs to, opening one if needed. */
  touch(idleMs: number, viewport?: { width: number; height: number }, now = Date.now()): Promise<string> {
    const run = this.chain.then(() => this.touchNow(idleMs, viewport, now));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async touchNow(idleMs: number, viewport: { width: number; height: number } | undefined, now: number): Promise<string> {
    await this.loaded;
    if (!this.current || now - this.current.lastActivity > idleMs) {
      const id = newId();
      this.current = { id, lastActivity: now };
      await this.queue.push({ kind: 'session', sessionId: id, init: { id, startedAt: now, userAgent: navigator.userAgent, viewport } });
    }
    this.current.lastActivity = now;
    await browser.storage.local.set({ [KEY]: this.current });
    return this.current.id;
  }

  /** The terminal went home: the next activity opens a new session. Ordered with touch(). */
  end(): Promise<void> {
    const run = this.chain.then(async () => {
      await this.loaded;
      this.current = undefined;
      await browser.storage.local.remove(KEY);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async currentId(): Promise<string | undefined> {
    await this.loaded;
    return this.current?.id;
  }
}
