/**
 * Load for the reliability drills: virtual browsers (Node HTTP clients with a cookie and a keep-alive agent) that
 * load documents, assets and JSON through Verbatim's forward proxy and post recorder uploads to
 * /__verbatim/events with the token from the injected tag, as the in-page recorder does. Every response that
 * completed (last byte received) and every upload acknowledged with 2xx goes into a ledger, with its time, so a
 * drill can check afterwards that the store holds each of them.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Completion {
  sessionId: string;
  url: string;
  status: number;
  /** Epoch ms when the last byte arrived. */
  completedAt: number;
}

export interface Ack {
  sessionId: string;
  pageId: string;
  seq: number;
  marker: string;
  status: number;
  ackedAt: number;
}

export interface Refusal {
  sessionId: string;
  marker: string;
  status: number;
  code: string;
  at: number;
}

/** What the clients saw. */
export class DrillLedger {
  readonly completions: Completion[] = [];
  readonly acks: Ack[] = [];
  /** Uploads answered with something other than 2xx. */
  readonly refusals: Refusal[] = [];
  /** Page loads (documents) that did not complete with 200. */
  readonly failedPages: { url: string; status: number | string; at: number }[] = [];
  /** Requests cut off or refused at the socket (a crash, a restart). */
  transportErrors = 0;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  completedAt: number;
}

let clientCounter = 0;

export class DrillClient {
  readonly name: string;
  sessionId: string | undefined;
  private token: string | undefined;
  private cookie: string | undefined;
  private pageId: string;
  private seq = 0;
  private counter = 0;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  private proxy: { host: string; port: number };

  constructor(proxyUrl: string, private readonly origin: string, private readonly ledger: DrillLedger) {
    this.name = `c${(clientCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    this.pageId = `${this.name}p0`;
    this.proxy = hostPort(proxyUrl);
  }

  /** Another tab of the same browser: the same cookie and session, its own page. */
  adopt(other: DrillClient): void {
    this.cookie = other.cookie;
    this.token = other.token;
    this.sessionId = other.sessionId;
  }

  /** After a restart: the proxy listens elsewhere; sockets to the old one are gone. */
  useProxy(proxyUrl: string): void {
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    this.proxy = hostPort(proxyUrl);
  }

  private nextId(): string {
    return `${this.name}-${(this.counter++).toString(36)}`;
  }

  /** A document: takes the session token from the injected tag and the cookie, as a browser would. */
  async openPage(): Promise<void> {
    const url = `${this.origin}/doc/${this.nextId()}`;
    let reply: Reply;
    try {
      reply = await this.send('GET', url, { 'sec-fetch-dest': 'document', accept: 'text/html', ...(this.cookie ? { cookie: this.cookie } : {}) });
    } catch (err) {
      this.ledger.failedPages.push({ url, status: (err as NodeJS.ErrnoException).code ?? 'ERROR', at: Date.now() });
      throw err;
    }
    if (reply.status !== 200) {
      this.ledger.failedPages.push({ url, status: reply.status, at: reply.completedAt });
      return;
    }
    const token = /data-verbatim-token="([^"]+)"/.exec(reply.body.toString('latin1'))?.[1];
    const setCookie = reply.headers['set-cookie']?.find((c) => c.startsWith('__verbatim_s='));
    if (token) {
      this.token = token;
      const sessionId = token.split('.', 1)[0]!;
      if (sessionId !== this.sessionId) {
        this.sessionId = sessionId;
        this.pageId = `${this.name}p${this.counter}`;
        this.seq = 0;
      }
    }
    if (setCookie) this.cookie = setCookie.split(';', 1)[0];
    if (this.sessionId) this.ledger.completions.push({ sessionId: this.sessionId, url, status: reply.status, completedAt: reply.completedAt });
  }

  /** A subresource of the page: stylesheet, script, image or personal JSON. */
  async subresource(kind: 'css' | 'js' | 'img' | 'api'): Promise<void> {
    const ext = kind === 'img' ? 'png' : kind === 'api' ? 'json' : kind;
    const url = `${this.origin}/${kind}/${this.nextId()}.${ext}`;
    const dest = kind === 'css' ? 'style' : kind === 'js' ? 'script' : kind === 'img' ? 'image' : 'empty';
    const sessionId = this.sessionId;
    const reply = await this.send('GET', url, { 'sec-fetch-dest': dest, ...(this.cookie ? { cookie: this.cookie } : {}) });
    if (sessionId) this.ledger.completions.push({ sessionId, url, status: reply.status, completedAt: reply.completedAt });
  }

  /** One recorder upload of the current page, with a marker event the drill looks for afterwards. */
  async upload(): Promise<void> {
    const { token, sessionId } = this;
    if (!token || !sessionId) return;
    const seq = this.seq++;
    const marker = `${this.pageId}.${seq}`;
    const body = JSON.stringify({
      token,
      page: { id: this.pageId, url: `${this.origin}/doc/${this.name}` },
      seq,
      viewport: { width: 1280, height: 800 },
      events: [{ type: 5, timestamp: Date.now(), data: { tag: 'drill', payload: { marker } } }],
    });
    const reply = await this.send('POST', `${this.origin}/__verbatim/events`, {
      'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}),
    }, body);
    if (reply.status >= 200 && reply.status < 300) {
      this.ledger.acks.push({ sessionId, pageId: this.pageId, seq, marker, status: reply.status, ackedAt: reply.completedAt });
    } else {
      let code = '';
      try { code = (JSON.parse(reply.body.toString()) as { error?: { code?: string } }).error?.code ?? ''; } catch { /* not JSON */ }
      this.ledger.refusals.push({ sessionId, marker, status: reply.status, code, at: reply.completedAt });
      // A session the endpoint does not know (its record never landed) is over: the next page starts another.
      if (reply.status === 404) this.token = undefined;
    }
  }

  /** One step of a browsing mix: mostly subresources and uploads, now and then a new page. */
  async step(): Promise<void> {
    const r = Math.random();
    if (!this.token || r < 0.08) return this.openPage();
    if (r < 0.35) return this.upload();
    if (r < 0.55) return this.subresource('css');
    if (r < 0.7) return this.subresource('js');
    if (r < 0.85) return this.subresource('img');
    return this.subresource('api');
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Reply> {
    const target = new URL(url);
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request({
        host: this.proxy.host, port: this.proxy.port, method, path: url, agent: this.agent,
        headers: { host: target.host, 'user-agent': 'verbatim-drill', ...headers, ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
        timeout: 10_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (!res.complete) return reject(Object.assign(new Error('response cut off'), { code: 'ECUT' }));
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), completedAt: Date.now() });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECUT' })));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/**
 * Runs every client's steps until `stop()` is called (or `durationMs` passed), each client starting one step every
 * `intervalMs` on average (or at once when the last one took longer): a steady load below what the proxy can take,
 * so what a drill measures is the write path, not a backlog. A request cut off by a crash counts as a transport
 * error and the client pauses briefly rather than spinning on a dead port.
 */
export function runLoad(clients: DrillClient[], ledger: DrillLedger, options: { intervalMs: number; durationMs?: number }): { stop(): void; done: Promise<void> } {
  let stopped = false;
  const until = options.durationMs !== undefined ? Date.now() + options.durationMs : Infinity;
  const loop = async (client: DrillClient): Promise<void> => {
    // Clients start spread over one interval, not all at once.
    await sleep(Math.random() * options.intervalMs);
    while (!stopped && Date.now() < until) {
      const next = Date.now() + options.intervalMs * (0.5 + Math.random());
      try {
        await client.step();
      } catch {
        ledger.transportErrors += 1;
        await sleep(50);
      }
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
    }
  };
  const done = Promise.all(clients.map(loop)).then(() => undefined);
  return { stop: () => { stopped = true; }, done };
}
