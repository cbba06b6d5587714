/**
 * Which customer each session belongs to, as the proxy's identity rules found
 * it (login form field, cookie, response header, JSON field). An append-only
 * JSON-lines file (<data>/customers.jsonl) read whole at start; lookups both
 * ways are in memory. Kept beside the store, not in it: it is written long
 * after a session was created and by a different component.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface CustomerLink {
  sessionId: string;
  customerId: string;
  /** Which rule found it, e.g. "form:username". */
  source: string;
  at: number;
}

/** What the viewer needs. */
export interface CustomerLookup {
  customerOf(sessionId: string): string | undefined;
  sessionsOf(customerId: string): string[];
}

export class CustomerIndex implements CustomerLookup {
  private readonly bySession = new Map<string, string>();
  private readonly byCustomer = new Map<string, string[]>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly file: string) {}

  static async open(file: string): Promise<CustomerIndex> {
    const index = new CustomerIndex(file);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const l = JSON.parse(line) as CustomerLink;
        if (typeof l.sessionId === 'string' && typeof l.customerId === 'string') index.remember(l.sessionId, l.customerId);
      } catch {
        /* torn last line */
      }
    }
    return index;
  }

  customerOf(sessionId: string): string | undefined {
    return this.bySession.get(sessionId);
  }

  sessionsOf(customerId: string): string[] {
    return [...(this.byCustomer.get(customerId) ?? [])];
  }

  /** Links a session to a customer; the first link wins (a session is one customer's). */
  link(sessionId: string, customerId: string, source: string): Promise<boolean> {
    if (this.bySession.has(sessionId)) return Promise.resolve(false);
    this.remember(sessionId, customerId);
    const line = `${JSON.stringify({ sessionId, customerId, source, at: Date.now() } satisfies CustomerLink)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => appendFile(this.file, line, { mode: 0o600 }));
    return this.writing.then(() => true);
  }

  /** Waits for links in flight (shutdown, tests). */
  flush(): Promise<void> {
    return this.writing.catch(() => undefined);
  }

  private remember(sessionId: string, customerId: string): void {
    if (this.bySession.has(sessionId)) return;
    this.bySession.set(sessionId, customerId);
    const list = this.byCustomer.get(customerId);
    if (list) list.push(sessionId);
    else this.byCustomer.set(customerId, [sessionId]);
  }
}
