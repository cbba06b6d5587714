/**
 * The first frame's events (first-frame.ts) without the ones a later event overrides, so rrweb can build the frame
 * straight into the real document (no virtual DOM) without a forced layout per recorded scroll:
 *   - a scroll is kept only as each scrolled node's last one, moved after the frame's other events: where rrweb's
 *     virtual DOM applies it too (its diff sets the last scroll after the nodes are built), so a page that grew
 *     after the scroll is not clamped to its older, shorter height;
 *   - pointer moves (mouse, touch, drag) only as the last one, in place: the cursor's position at the moment.
 * Everything else (mutations, inputs, clicks, focus) stays as recorded and in order.
 */
import type { RecordedEvent } from '../../store/records';
import { EventType, Source } from '../../recorder/rrweb-wire';

const POINTER_MOVES: ReadonlySet<number> = new Set([Source.MouseMove, Source.TouchMove, Source.Drag]);

export function settledFrameEvents(events: readonly RecordedEvent[]): RecordedEvent[] {
  const lastScroll = new Map<unknown, number>();
  let lastMove = -1;
  events.forEach((e, i) => {
    if (e.type !== EventType.IncrementalSnapshot) return;
    const data = e.data as { source?: number; id?: unknown } | undefined;
    if (data?.source === Source.Scroll) lastScroll.set(data.id, i);
    else if (data?.source !== undefined && POINTER_MOVES.has(data.source)) lastMove = i;
  });
  const scrolls = new Set(lastScroll.values());
  const out: RecordedEvent[] = [];
  const moved: RecordedEvent[] = [];
  events.forEach((e, i) => {
    if (e.type !== EventType.IncrementalSnapshot) return void out.push(e);
    const source = (e.data as { source?: number } | undefined)?.source;
    if (source === Source.Scroll) {
      if (scrolls.has(i)) moved.push(e);
    } else if (source === undefined || !POINTER_MOVES.has(source) || i === lastMove) {
      out.push(e);
    }
  });
  // At the frame's last time, so the events stay in time order (rrweb applies them in array order).
  const last = out.length ? out[out.length - 1]!.timestamp : 0;
  for (const e of moved) out.push(e.timestamp >= last ? e : { ...e, timestamp: last });
  return out;
}
