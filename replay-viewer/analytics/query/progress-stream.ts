/**
 * A view that takes a while answers as NDJSON: `{"progress":{phase,done,total}}` lines while it computes, then one
 * `{"result":…}` line, or `{"error":{code,message}}` when it failed after the answer began (its status is already
 * sent). Checks that can fail (the id, the period) run before the first byte, so those still answer a plain 4xx.
 */
import type { ServerResponse } from 'node:http';
import { baseHeaders, errorBody } from '../../http-responses';
import type { OnProgress } from './progress';

export async function streamWithProgress<T>(res: ServerResponse, compute: (onProgress: OnProgress) => Promise<T>): Promise<void> {
  baseHeaders(res);
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
  res.writeHead(200);
  const line = (v: unknown) => res.write(`${JSON.stringify(v)}\n`);
  try {
    const result = await compute(async (progress) => {
      line({ progress });
      // Lets the line leave before a synchronous SQLite statement holds the thread.
      await new Promise((r) => setImmediate(r));
    });
    line({ result });
  } catch (err) {
    const { code, message } = errorBody(err);
    line({ error: { code, message } });
  }
  res.end();
}
