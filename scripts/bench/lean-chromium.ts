/**
 * Debian's Chromium driven over the DevTools protocol on its pipe (`--remote-debugging-pipe`, as Playwright drives
 * it), with nothing of a test framework inside its pages: no helper world per frame, no bindings, only the one
 * script a bench asks for. For timings a framework's own work inside the page would distort (first-frame.ts: a new
 * tab under Playwright spent tens of milliseconds of its main thread on Playwright's setup of each frame).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium';

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

export class LeanChromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';

  private constructor(private readonly proc: ChildProcess, private readonly dir: string) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.receive(chunk));
    proc.once('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('Chromium exited'));
      this.pending.clear();
    });
  }

  static async launch(): Promise<LeanChromium> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-lean-chromium-'));
    const proc = spawn(process.env.CHROMIUM_PATH ?? CHROMIUM_PATH, [
      ...CHROMIUM_ARGS, '--headless=new', '--remote-debugging-pipe', `--user-data-dir=${dir}`, '--hide-scrollbars', 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const browser = new LeanChromium(proc, dir);
    await browser.send('Browser.getVersion');
    return browser;
  }

  /** One DevTools command (to the browser, or to a tab's session); rejects with the protocol's error. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    (this.proc.stdio[3] as Writable).write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Cookies for every tab (the viewer's sign-in). */
  async setCookie(url: string, name: string, value: string): Promise<void> {
    await this.send('Storage.setCookies', { cookies: [{ name, value, url, httpOnly: true, sameSite: 'Strict' }] });
  }

  /** A new tab at `width` × `height` (CSS pixels), on about:blank; `initScript` runs at the start of its documents. */
  async newTab(width: number, height: number, initScript?: string): Promise<LeanTab> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' }) as { targetId: string };
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true }) as { sessionId: string };
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    // Scripts for new documents need the page domain on.
    if (initScript) {
      await this.send('Page.enable', {}, sessionId);
      await this.send('Page.addScriptToEvaluateOnNewDocument', { source: initScript }, sessionId);
    }
    return new LeanTab(this, targetId, sessionId);
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    await this.send('Browser.close').catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    this.proc.kill('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffered.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
      this.buffered = this.buffered.slice(end + 1);
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) continue;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result ?? {});
    }
  }
}

export class LeanTab {
  constructor(private readonly browser: LeanChromium, private readonly targetId: string, private readonly sessionId: string) {}

  async navigate(url: string): Promise<void> {
    const answer = await this.browser.send('Page.navigate', { url }, this.sessionId) as { errorText?: string };
    if (answer.errorText) throw new Error(`navigation to ${url} failed: ${answer.errorText}`);
  }

  /** The value of a JavaScript expression in the tab's page (JSON-serialisable). */
  async evaluate<T>(expression: string): Promise<T> {
    const answer = await this.browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId) as
      { result: { value?: T }; exceptionDetails?: { text: string } };
    if (answer.exceptionDetails) throw new Error(`${expression.slice(0, 80)}: ${answer.exceptionDetails.text}`);
    return answer.result.value as T;
  }

  /** Polls `expression` (every 50 ms, one small task each) until it is truthy. */
  async waitFor(expression: string, timeoutMs: number): Promise<void> {
    for (const until = Date.now() + timeoutMs; !(await this.evaluate<unknown>(expression).catch(() => false));) {
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}
