/**
 * `GET /api/sessions/<id>/events` with `Accept: application/x-ndjson` (a deep link, `?at=<epoch ms>`): the same
 * events as the JSON answer, one per line, in the order a player needs them to draw the moment first:
 *
 *   {"head":{"tracks":[…],"track":0,"count":N,"start":s,"end":e,"shown":t,"keyframe":k}}
 *   {"keyframe":{html,width,height,scrollX,scrollY}}   with ?keyframe=1, when k: the frame as static HTML (keyframe/)
 *   events[s..e)   the frame: from the Meta rrweb replays the moment from up to the moment shown (deep-link.ts)
 *   events[e..N)   the rest of the session after it
 *   events[0..s)   and before it (the timeline and seeking need the whole session)
 *
 * The frame leaves at once (gzip flushed after it); the rest follows with backpressure. Line i+1 of the answer is
 * not event i: a reader puts the three runs back in place from the head's `start` and `end`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type { Writable } from 'node:stream';
import { baseHeaders } from '../http-responses';
import { acceptsEncoding } from './content-encoding';
import type { CachedSession, CachedTrack } from './event-cache';
import { frameRange, type FrameRange } from './deep-link';
import { keyframeOf, type Keyframe, type KeyframeStyles } from './keyframe/index';
import type { TrackChoice } from './session-events';
import type { TabTrack } from './tab-tracks';

export interface EventStreamHead {
  tracks: TabTrack[];
  track: number;
  /** Events in the track. */
  count: number;
  /** The frame is events[start..end); then events[end..count), then events[0..start). */
  start: number;
  end: number;
  /** The moment the frame shows (epoch ms). */
  shown: number;
  /** A keyframe line follows the head (asked for with `?keyframe=1`, and the frame can be shown as static HTML). */
  keyframe?: boolean;
}

/** The track a request chose and the events that draw its moment (deep-link.ts). */
export function frameOf(cached: CachedSession, choice: TrackChoice): { index: number; track: CachedTrack; range: FrameRange } {
  const index = cached.choose(choice);
  const track = cached.track(index);
  // No moment asked for: the first one (the frame is the session's first page).
  return { index, track, range: frameRange(track, choice.at ?? track.timestamps[0] ?? 0) };
}

/** The frame as static HTML, or undefined when it has no events or a static page cannot show it. */
export async function frameKeyframe(track: CachedTrack, range: FrameRange, styles: KeyframeStyles): Promise<Keyframe | undefined> {
  return range.end > range.start ? keyframeOf(track, range, styles) : undefined;
}

/** Lines per write once the frame is out: big enough to keep syscalls few, small enough to keep memory flat. */
const CHUNK_LINES = 500;

/** `Accept: application/x-ndjson`, or `?format=ndjson` (what a `<link rel="preload">` asks: event-stream-url.ts). */
export function wantsEventStream(req: IncomingMessage, query: URLSearchParams): boolean {
  return query.get('format') === 'ndjson' || /\bapplication\/x-ndjson\b/i.test(String(req.headers.accept ?? ''));
}

/** Checks (track range) run before the first byte, so a bad request still answers a plain 4xx. */
/** `keyframe`: send the frame as static HTML too (`?keyframe=1`), its stylesheets inlined from there. */
export async function sendEventStream(req: IncomingMessage, res: ServerResponse, cached: CachedSession, choice: TrackChoice, keyframeStyles?: KeyframeStyles): Promise<void> {
  const { index, track, range } = frameOf(cached, choice);
  const count = track.lines.length;
  const head: EventStreamHead = { tracks: cached.tracks, track: index, count, start: range.start, end: range.end, shown: range.shown };
  const keyframe = keyframeStyles ? await frameKeyframe(track, range, keyframeStyles) : undefined;
  if (keyframe) head.keyframe = true;

  baseHeaders(res);
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
  // A buffering reverse proxy (nginx) would hold the frame back until the whole answer is in.
  res.setHeader('X-Accel-Buffering', 'no');
  let out: Writable = res;
  let gzip: zlib.Gzip | undefined;
  if (acceptsEncoding(req.headers['accept-encoding'], 'gzip')) {
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
    // Level 1: most of the size gain for a fraction of the CPU; this answer is read once, right away.
    gzip = zlib.createGzip({ level: 1 });
    gzip.pipe(res);
    out = gzip;
  }
  res.writeHead(200);
  if (req.method === 'HEAD') return void res.end();
  let closed = false;
  let onClose: (() => void) | undefined;
  res.once('close', () => {
    closed = true;
    onClose?.();
  });

  const write = async (text: string): Promise<void> => {
    if (out.write(text) || closed) return;
    await new Promise<void>((resolve) => {
      onClose = resolve;
      out.once('drain', resolve);
    });
    onClose = undefined;
  };
  const run = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to && !closed; i += CHUNK_LINES) {
      await write(`${track.lines.slice(i, Math.min(to, i + CHUNK_LINES)).join('\n')}\n`);
    }
  };
  await write(`${JSON.stringify({ head })}\n`);
  if (keyframe) {
    await write(`${JSON.stringify({ keyframe })}\n`);
    // Out at once: the page paints it before anything else arrives.
    if (gzip) await new Promise<void>((resolve) => gzip!.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  }
  await run(range.start, range.end);
  if (gzip) await new Promise<void>((resolve) => gzip!.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  await run(range.end, count);
  await run(0, range.start);
  out.end();
}
