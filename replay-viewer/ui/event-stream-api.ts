/**
 * A tab's events as NDJSON (replay-viewer/replay/event-stream.ts): the frame at the moment asked for arrives
 * first and is handed to `onFrame` at once, so the player can draw it while the rest of the session is still
 * on its way; the promise then resolves to the whole track in time order, as `getEvents` answers it.
 */
import type { RecordedEvent } from '../../store/records';
import type { EventStreamHead } from '../replay/event-stream';
import type { EventSelect } from '../replay/event-stream-url';
import { ApiError, type SessionEvents } from './api';
import { STREAM_REQUEST, playerStreamUrl, takeEarly } from './early-requests';

export type { EventStreamHead };

export interface Frame {
  head: EventStreamHead;
  /** events[head.start..head.end): enough for a Replayer to show `head.shown`. */
  events: RecordedEvent[];
}

export async function streamEvents(id: string, select: EventSelect, onFrame: (frame: Frame) => void): Promise<SessionEvents> {
  // No headers of our own: the page preloaded this very request (ui-routes.ts), and a fetch that differs is not handed it.
  // Usually the page's head script has asked already (early-requests.ts).
  const url = playerStreamUrl(id, select);
  const res = await (takeEarly(url) ?? fetch(url, STREAM_REQUEST));
  if (!res.ok || !res.body) {
    const error = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error ?? {};
    throw new ApiError(res.status, error.code ?? 'HTTP_ERROR', error.message ?? `Request failed (${res.status})`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let head: EventStreamHead | undefined;
  let events: RecordedEvent[] = [];
  /** Where the next event line goes: the frame, then what follows it, then what precedes it. */
  let received = 0;
  let frameSent = false;
  /** The keyframe line after the head, painted by the page's head script (keyframe-view.ts), not needed here. */
  let skipKeyframe = false;
  const place = (n: number): number => (n < head!.count - head!.start ? head!.start + n : n - (head!.count - head!.start));
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    let from = 0;
    let nl: number;
    while ((nl = buffered.indexOf('\n', from)) >= 0) {
      const line = buffered.slice(from, nl);
      from = nl + 1;
      if (!head) {
        head = (JSON.parse(line) as { head: EventStreamHead }).head;
        events = new Array<RecordedEvent>(head.count);
        skipKeyframe = head.keyframe === true;
      } else if (skipKeyframe) {
        skipKeyframe = false;
      } else {
        events[place(received++)] = JSON.parse(line) as RecordedEvent;
      }
      if (!frameSent && received > 0 && received === head.end - head.start) {
        frameSent = true;
        onFrame({ head, events: events.slice(head.start, head.end) });
        // Let the browser paint the frame before parsing the rest of the session holds the thread.
        await afterNextPaint();
      }
    }
    buffered = buffered.slice(from);
    if (done) break;
  }
  if (!head || received !== head.count) throw new ApiError(500, 'INCOMPLETE', 'The session\'s events ended before all of them arrived; reload to try again.');
  return { events, tracks: head.tracks, track: head.track };
}

/** After the next paint (a hidden tab paints nothing: then after 100 ms). */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}
