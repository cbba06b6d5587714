/**
 * Buffers rrweb events and POSTs them as RecorderUpload batches to the
 * same-origin endpoint.
 *
 * - Each event is serialized once, when it arrives; a batch body is then built
 *   by string concatenation, and its exact UTF-8 size is known.
 * - Batches are cut to fit a keepalive request (KEEPALIVE_LIMIT_BYTES) so that
 *   any upload still in flight survives a navigation; only a single event larger
 *   than that (typically a full snapshot) goes alone in a plain fetch.
 * - Normal uploads go one at a time, in seq order; network errors, 5xx, 408 and
 *   429 are retried with the same seq (the ingest side ignores a resend). Any
 *   other 4xx means the session is unknown or forged: stop quietly. 413 drops
 *   that batch only.
 * - Chromium counts a keepalive request against the page's 64 KiB until a
 *   moment after its answer arrived, and refuses one past that at once
 *   ("Failed to fetch", nothing sent): two uploads back to back, or a resend
 *   beside the earlier attempt, are refused for what the page already sent.
 *   A refused keepalive upload leaves again at once as a plain fetch, so it
 *   does not wait out a retry's delay (a page left meanwhile would then have
 *   to send it beside everything newer, past that budget); a plain upload
 *   still in flight when the page goes leaves again with the unload's.
 * - On pagehide / hidden, everything not yet in flight leaves at once via
 *   keepalive fetch, falling back to sendBeacon, then fetchLater where the
 *   browser has it (a quota of its own), then a plain fetch (which the browser
 *   may cancel with the document). On a page a service worker controls,
 *   fetchLater goes first, and the upload in flight leaves again
 *   (deferred-send.ts says why).
 */
import type { RecordedEvent } from '../store/records';
import { CUSTOM_TAGS, EXTENSION_ENDPOINT, KEEPALIVE_LIMIT_BYTES, LIVE_FLUSH_HEADER, MAX_UPLOAD_BYTES, extensionEventType } from './protocol';
import { noop, randomId, truncate, utf8Length } from './util';
import { collectPageContext } from './page-context';
import { controlledByServiceWorker, deferredSender } from './deferred-send';
import { EventType } from './rrweb-wire';

/** Flush at most this long after the first buffered event. */
const FLUSH_INTERVAL_MS = 5000;
/** Flush this soon after a full snapshot so a session has a replayable start quickly. */
const SNAPSHOT_FLUSH_MS = 500;
/**
 * Flush at once when this many bytes are buffered. Chromium gives keepalive
 * fetches and sendBeacon one shared 64 KiB in-flight budget per page, so only
 * about that much can leave at pagehide: keep the unsent tail below it.
 * (Batches are cut to keepalive size anyway, so this adds no requests.)
 */
const SOFT_LIMIT = 48 * 1024;
const MAX_RETRIES = 3;
/** Room for the upload's envelope (token, page, seq, viewport) plus the array's brackets. */
const ENVELOPE_SLACK = 64;

export interface TransportOptions {
  token: string;
  endpoint: string;
  /** The endpoint refused the session (4xx): recording should stop. */
  onRejected: () => void;
}

export interface Transport {
  push(event: RecordedEvent): void;
  /** Sends what is buffered now (normal path). */
  flush(): void;
}

interface Batch {
  body: string;
  /** Fits a keepalive request. */
  small: boolean;
}

export function createTransport(options: TransportOptions): Transport {
  const { token, endpoint } = options;
  const pageId = randomId();
  // Read once, as the page starts; travels with the page's first upload only.
  const context = collectPageContext();
  // Taken before any page script can wrap them.
  const nativeFetch = window.fetch.bind(window);
  const beacon = navigator.sendBeacon?.bind(navigator);
  const keepaliveSupported = typeof Request !== 'undefined' && 'keepalive' in Request.prototype;
  // Extension mode: hand bodies to the content script (its background queues and
  // uploads them), synchronously, so nothing is lost when the page goes away.
  const toExtension = endpoint === EXTENSION_ENDPOINT ? extensionSender(token) : undefined;
  const deferred = toExtension ? undefined : deferredSender();

  let parts: string[] = [];
  let sizes: number[] = [];
  let buffered = 0;
  let seq = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = 0;
  const queue: Batch[] = [];
  let busy = false; // a queued batch is in flight or waiting for its retry
  let inFlight = false;
  // Whether the upload in flight is a keepalive request (it outlives the page; a plain one does not).
  let inFlightKeepalive = false;
  // The in-flight batch the unload path sent again (pagehide then visibilitychange: once is enough).
  let resent: Batch | undefined;
  let attempts = 0;
  // Shortened while an agent watches live (the upload's answer says so: LIVE_FLUSH_HEADER).
  let flushInterval = FLUSH_INTERVAL_MS;

  function push(event: RecordedEvent): void {
    try {
      add(event);
    } catch {
      /* an unserializable event is dropped, never thrown back into rrweb */
    }
  }

  function add(event: RecordedEvent): void {
    if (stopped) return;
    let json = JSON.stringify(event);
    let size = utf8Length(json);
    if (size > MAX_UPLOAD_BYTES - ENVELOPE_SLACK - 8192) {
      // The ingest side would refuse it whole; keep a trace instead of losing silently.
      json = JSON.stringify({
        type: 5,
        timestamp: event.timestamp,
        data: { tag: CUSTOM_TAGS.recorderFailure, payload: { message: 'event too large', type: event.type, bytes: size } },
      });
      size = utf8Length(json);
    }
    parts.push(json);
    sizes.push(size);
    buffered += size;
    // A frame's document arriving (same- or cross-origin) is a full snapshot too.
    const snapshot = event.type === EventType.FullSnapshot || (event.type === EventType.IncrementalSnapshot && (event.data as { isAttachIframe?: boolean })?.isAttachIframe);
    if (buffered >= SOFT_LIMIT) flush();
    else schedule(snapshot ? Math.min(SNAPSHOT_FLUSH_MS, flushInterval) : flushInterval);
  }

  function schedule(ms: number): void {
    const at = Date.now() + ms;
    if (timer !== undefined && due <= at) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(flush, ms);
  }

  /** Moves the buffer into batches with consecutive seq numbers. */
  function cut(): Batch[] {
    clearTimeout(timer);
    timer = undefined;
    const batches: Batch[] = [];
    if (stopped || !parts.length) return batches;
    // Bounded as the ingest side requires (a refused upload would stop recording).
    const page = { id: pageId, url: truncate(location.href, 8192), title: truncate(document.title) };
    const viewport = { width: innerWidth, height: innerHeight };
    const envelope = (n: number) => JSON.stringify(n === 0 ? { token, page, seq: n, viewport, context } : { token, page, seq: n, viewport });
    const make = (events: string[]): void => {
      const body = `${envelope(seq++).slice(0, -1)},"events":[${events.join(',')}]}`;
      batches.push({ body, small: utf8Length(body) <= KEEPALIVE_LIMIT_BYTES });
    };
    const room = KEEPALIVE_LIMIT_BYTES - utf8Length(envelope(seq)) - ENVELOPE_SLACK;
    let current: string[] = [];
    let bytes = 0;
    for (let i = 0; i < parts.length; i++) {
      const n = sizes[i] + 1;
      if (current.length && bytes + n > room) {
        make(current);
        current = [];
        bytes = 0;
      }
      current.push(parts[i]);
      bytes += n;
    }
    make(current);
    parts = [];
    sizes = [];
    buffered = 0;
    return batches;
  }

  /** Never throws: a synchronous failure becomes a rejection. */
  function post(body: string, keepalive: boolean): Promise<Response> {
    if (toExtension) return toExtension(body);
    try {
      return nativeFetch(endpoint, {
        method: 'POST',
        body,
        keepalive,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'content-type': 'application/json' },
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function flush(): void {
    try {
      queue.push(...cut());
      sendNext();
    } catch {
      /* never throw from a timer */
    }
  }

  function sendNext(): void {
    if (busy || stopped || !queue.length) return;
    const batch = queue[0];
    busy = inFlight = true;
    const settle = (retry: boolean): void => {
      inFlight = false;
      if (retry && ++attempts <= MAX_RETRIES) {
        setTimeout(() => {
          busy = false;
          sendNext();
        }, 1000 * 2 ** (attempts - 1));
        return;
      }
      attempts = 0;
      // The unload path may have taken the queue meanwhile.
      if (queue[0] === batch) queue.shift();
      busy = false;
      sendNext();
    };
    inFlightKeepalive = batch.small && keepaliveSupported;
    const sent = inFlightKeepalive
      // Refused inside the browser, or a network error: a plain fetch either way (a dead network fails it too).
      ? post(batch.body, true).catch(() => {
        inFlightKeepalive = false;
        return post(batch.body, false);
      })
      : post(batch.body, false);
    sent.then(
      (res) => {
        const s = res.status;
        if (res.ok) flushInterval = liveInterval(res);
        // The answer read to its end: the request is over for the browser's keepalive budget sooner.
        const then = (): void => {
          if (res.ok || s === 413) settle(false);
          else if (s >= 400 && s < 500 && s !== 408 && s !== 429) stop();
          else settle(true);
        };
        (res.body ? res.arrayBuffer() : Promise.resolve()).then(then, then);
      },
      () => settle(true),
    ).catch(noop);
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    queue.length = 0;
    parts = [];
    sizes = [];
    options.onRejected();
  }

  /** Last chance: the document may be discarded after this event. */
  function flushForUnload(): void {
    try {
      if (stopped) return;
      const worker = !!deferred && controlledByServiceWorker();
      // The upload in flight went through the worker too and may die with the page: it leaves again, last (the
      // ingest ignores a resend of the same seq).
      const again = inFlight && inFlightKeepalive && worker && queue[0]?.small && queue[0] !== resent ? queue[0] : undefined;
      // A plain upload in flight dies with the page: it leaves again, in its place.
      const batches = queue.splice(inFlight && inFlightKeepalive ? 1 : 0).concat(cut());
      for (const b of batches) sendForUnload(b.body, b.small, worker);
      if (again && deferred!(endpoint, again.body)) resent = again;
    } catch {
      /* ignore */
    }
  }

  function sendForUnload(body: string, small: boolean, worker: boolean): void {
    if (small && worker && deferred!(endpoint, body)) return;
    const viaFetch = (keepalive: boolean): Promise<unknown> => post(body, keepalive);
    const viaBeacon = (): boolean => {
      try {
        return !!beacon?.(endpoint, body);
      } catch {
        return false;
      }
    };
    // fetchLater's quota is its own (64 KiB per origin), beside keepalive's; a worker's page tried it already.
    const viaLater = (): boolean => small && !worker && !!deferred && deferred(endpoint, body);
    if (!small) viaFetch(false).catch(noop);
    else if (keepaliveSupported) {
      // Keepalive requests share a 64 KiB in-flight budget; past it fetch rejects.
      viaFetch(true).catch(() => viaBeacon() || viaLater() || viaFetch(false).catch(noop));
    } else if (!viaBeacon() && !viaLater()) viaFetch(false).catch(noop);
  }

  addEventListener('pagehide', flushForUnload);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushForUnload();
  });

  return { push, flush };
}

/** The answer's live-view interval (100 ms to 5 s), or the normal one. */
function liveInterval(res: Response): number {
  const ms = Number(res.headers?.get?.(LIVE_FLUSH_HEADER));
  return Number.isFinite(ms) && ms >= 100 && ms <= FLUSH_INTERVAL_MS ? ms : FLUSH_INTERVAL_MS;
}

function extensionSender(secret: string): (body: string) => Promise<Response> {
  const type = extensionEventType(secret);
  // Taken before any page script can wrap them.
  const dispatch = EventTarget.prototype.dispatchEvent;
  const Custom = CustomEvent;
  const target = document;
  return (body) => {
    try {
      dispatch.call(target, new Custom(type, { detail: body }));
      return Promise.resolve({ ok: true, status: 200 } as Response);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
