/** Request timing helpers for the benchmark: sequential latency and concurrent throughput over keep-alive. */
import http from 'node:http';

export interface Target { host: string; port: number; path: (i: number) => string; headers?: http.OutgoingHttpHeaders }

export function request(agent: http.Agent, t: Target, i: number, cookie?: string): Promise<{ ms: number; bytes: number; setCookie?: string }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: t.host, port: t.port, path: t.path(i), agent, headers: { ...t.headers, ...(cookie ? { cookie } : {}) } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({
        ms: Number(process.hrtime.bigint() - start) / 1e6, bytes,
        setCookie: res.headers['set-cookie']?.[0]?.split(';')[0],
      }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The median of unsorted values, the mean of the middle two for an even count (NaN for none). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function sequential(t: Target, n: number, cookie?: string): Promise<{ median: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 200; i++) await request(agent, t, -i - 1, cookie); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await request(agent, t, i, cookie)).ms);
  agent.destroy();
  times.sort((a, b) => a - b);
  return { median: percentile(times, 50), p99: percentile(times, 99) };
}

export async function throughput(t: Target, concurrency: number, seconds: number, cookie?: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let done = 0;
  let i = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      await request(agent, t, 1_000_000 + i++, cookie);
      done++;
    }
  }));
  agent.destroy();
  return done / seconds;
}
