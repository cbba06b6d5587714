/**
 * Input values as typed, throttled. rrweb (sampling.input left at its default)
 * emits an Input event on every `input` and `change`, and for every value a
 * script sets. Its listeners sit on the document and read the real target from
 * `composedPath()`, so fields inside open shadow roots (web components, including
 * those attached later) are recorded too: `input` events are composed, unlike the
 * `change` events that rrweb's `input: 'last'` relied on, which never leave a
 * shadow root and, in a field that keeps focus, never fire at all.
 *
 * A value typed key by key would cost one event per key (and a long text its
 * square), so each field's latest value waits here up to THROTTLE_MS; whatever
 * else is emitted first (a click, a mutation, the pagehide marker) sends the
 * waiting values ahead of it, so the order of events is kept. `flush()` runs on
 * pagehide and when the tab is hidden, before the transport's last upload.
 *
 * Masking is untouched: rrweb applies maskInputFn to every value before it gets
 * here. An event for a field rrweb has not serialised (id -1: inside a blocked
 * element) is dropped: the replay could not place it anyway.
 */
import { EventType, Source } from './rrweb-wire';
import type { RecordedLike } from './style-events';

export const THROTTLE_MS = 400;

export interface InputThrottle {
  push(event: RecordedLike): void;
  /** Sends every waiting value now. */
  flush(): void;
}

export function createInputThrottle(out: (event: RecordedLike) => void, throttleMs = THROTTLE_MS): InputThrottle {
  const waiting = new Map<number, RecordedLike>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (!waiting.size) return;
    const events = [...waiting.values()];
    waiting.clear();
    for (const e of events) out(e);
  };

  return {
    push(event) {
      const data = event.data as { source?: number; id?: unknown } | undefined;
      if (event.type === EventType.IncrementalSnapshot && data?.source === Source.Input && typeof data.id === 'number') {
        if (data.id < 0) return;
        // A value the customer typed and a script then rewrote within the interval was still typed: the one event
        // sent for both keeps userTriggered (analytics reads it; a reformatting field would otherwise hide typing).
        const before = waiting.get(data.id)?.data as { userTriggered?: unknown } | undefined;
        const kept = before?.userTriggered === true && (data as { userTriggered?: unknown }).userTriggered === false
          ? { ...event, data: { ...data, userTriggered: true } } : event;
        // Re-inserted so that the map stays in time order.
        waiting.delete(data.id);
        waiting.set(data.id, kept);
        timer ??= setTimeout(flush, throttleMs);
        return;
      }
      flush();
      out(event);
    },
    flush,
  };
}
