/**
 * The in-page recorder (bundled to dist/recorder/recorder.js, an IIFE). Added by
 * the proxy's inline bootstrap once the page has loaded (bootstrap.ts), or by the
 * extension at document_start after it set window.__verbatimConfig. Nothing here
 * may throw into the page: every entry point and callback is wrapped, and
 * failures become recorder-failure events.
 */
import { record } from '@rrweb/record';
import type { RecordedEvent } from '../store/records';
import { type RecorderConfig, readConfig, takeLateEvents } from './config';
import { frameRole, listenForSnapshotRequests, parentAllowed, requestChildSnapshots } from './frames';
import { watchLayout } from './layout-notes';
import { installPushTimes } from './marker-times';
import { watchMarkers } from './markers';
import { capturePageErrors } from './page-errors';
import { CUSTOM_TAGS, LOAD_WAIT_MS } from './protocol';
import { watchRouteChanges } from './route-changes';
import { isPageException, recordOptions } from './record-options';
import { createAdoptionKeeper } from './style-events';
import { installStyleTextHooks } from './style-text';
import { createTransport } from './transport';
import { createInputThrottle } from './typed-input';
import { describe, stackOf } from './util';
import { EventType } from './rrweb-wire';

/** Probe event: a recorder already running in this window (in any JS world) cancels it. */
const PROBE_EVENT = 'verbatim:probe';
/** A same-origin child frame hands its custom events to its parent's recorder with this. */
const FRAME_EVENT = 'verbatim:frame-event';
/** Fired on a document once its recorder takes FRAME_EVENTs. */
const READY_EVENT = 'verbatim:frame-ready';
/** Custom events kept while rrweb has not started yet (errors during parsing). */
const MAX_PENDING = 50;

const enum State {
  Waiting,
  Recording,
  /** rrweb could not start: custom events go straight to the transport. */
  Failed,
  /** The endpoint refused the session. */
  Stopped,
}

type Payload = Record<string, unknown>;

try {
  const config = readConfig();
  if (config && claimWindow()) start(config);
} catch {
  /* the page must never notice us */
}

/**
 * Proxy and extension may both inject the recorder. A window property would not
 * be seen across the extension's isolated world, but the DOM and its events are
 * shared, so the first instance answers a cancelable probe event.
 */
function claimWindow(): boolean {
  if (!document.dispatchEvent(new Event(PROBE_EVENT, { cancelable: true }))) return false;
  document.addEventListener(PROBE_EVENT, (e) => e.preventDefault());
  return true;
}

function start(config: RecorderConfig): void {
  // From document_start on (extension), the page's stylesheet texts are kept; the proxy's bootstrap did it already.
  installStyleTextHooks();
  // Likewise the dataLayer's push times (the bootstrap's, else from here: document_start in the extension).
  installPushTimes();
  const role = frameRole();
  if (role === 'cross-origin-child' && !parentAllowed(config.frameParents)) return;

  let state = State.Waiting;
  let stopRecording: (() => void) | undefined;
  let reporting = false;
  const pending: [string, Payload][] = [];
  // When this frame's rrweb began (and so began taking its children's events).
  let recordingSince = 0;
  // A cross-origin child's custom events (its console errors above all) go to the parent by postMessage, and are
  // lost while the parent's rrweb is not yet listening: the child usually loads first. Kept until the parent's first
  // snapshot request, which says since when it listens; the older ones are sent again then.
  let parentListening = role !== 'cross-origin-child';
  const unheard: [string, Payload, number][] = [];
  // Only the top window uploads; child frames' events reach it through rrweb.
  const transport =
    role === 'top'
      ? createTransport({
          ...config,
          onRejected: () => {
            state = State.Stopped;
            pending.length = 0;
            try {
              stopRecording?.();
            } catch {
              /* ignore */
            }
          },
        })
      : undefined;
  // rrweb's events → adoptions kept replayable (style-events.ts) → typed values throttled → transport.
  const inputs = createInputThrottle((event) => transport?.push(event as RecordedEvent));
  const keepAdoptions = createAdoptionKeeper(() => record.mirror);
  const emit = (event: unknown, isCheckout?: boolean): void => {
    // A checkout's Meta is not a navigation: marked so the player does not list the page again.
    if (isCheckout && (event as RecordedEvent).type === EventType.Meta) Object.assign((event as RecordedEvent).data as object, { checkout: true });
    keepAdoptions(event as RecordedEvent, inputs.push);
    // A checkout re-serialises this document only: cross-origin frames must send theirs again.
    if (isCheckout && role === 'top' && (event as RecordedEvent).type === EventType.FullSnapshot) setTimeout(() => requestChildSnapshots(recordingSince), 0);
  };

  const report = (tag: string, payload: Payload): void => {
    // The guard stops loops (e.g. rrweb logging while we emit).
    if (reporting || state === State.Stopped) return;
    reporting = true;
    try {
      if (role !== 'top') payload.frame ??= location.href;
      if (role === 'same-origin-child') {
        forwardToParent(tag, payload);
      } else if (state === State.Recording) {
        record.addCustomEvent(tag, payload);
        if (!parentListening && unheard.length < MAX_PENDING) unheard.push([tag, payload, Date.now()]);
      } else if (state === State.Failed) {
        transport?.push({ type: 5, timestamp: Date.now(), data: { tag, payload } });
      } else if (pending.length < MAX_PENDING) {
        // rrweb stamps events when emitted, so keep the real moment in the payload.
        payload.time ??= Date.now();
        pending.push([tag, payload]);
      }
    } catch {
      /* ignore */
    } finally {
      reporting = false;
    }
  };

  // A same-origin child usually starts before its parent's recorder (its load comes first):
  // what no ancestor took yet is kept and handed over when one announces itself.
  const unforwarded: [string, Payload][] = [];
  const forwardToParent = (tag: string, payload: Payload): void => {
    const taken = !parent.document.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail: JSON.stringify([tag, payload]), cancelable: true }));
    if (taken || unforwarded.length >= MAX_PENDING) return;
    payload.time ??= Date.now();
    unforwarded.push([tag, payload]);
  };
  if (role === 'same-origin-child') {
    parent.document.addEventListener(READY_EVENT, () => {
      for (const [tag, payload] of unforwarded.splice(0)) report(tag, payload);
    });
  }

  capturePageErrors(report);
  // Then what the bootstrap kept while this script downloaded: our hooks are in, so nothing falls between.
  for (const [tag, payload] of [...config.early ?? [], ...takeLateEvents() ?? []]) report(tag, payload);
  if (role === 'top') {
    const layout = watchLayout(report, CUSTOM_TAGS, (n) => record.mirror.getId(n));
    // Capture phase: these run before the transport's own listeners flush the buffer, so
    // the last typed values (and the markers) are in the last upload.
    addEventListener('pagehide', (e) => {
      inputs.flush();
      layout.flushScrollDepth();
      report(CUSTOM_TAGS.pageHidden, { persisted: (e as PageTransitionEvent).persisted });
    }, { capture: true });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') {
        inputs.flush();
        layout.flushScrollDepth();
      }
      report(CUSTOM_TAGS.visibility, { state: document.visibilityState });
    }, { capture: true });
    watchRouteChanges((href) => report(CUSTOM_TAGS.route, { href }));
  }
  document.addEventListener(FRAME_EVENT, (e) => {
    e.preventDefault(); // tells the child frame its event was taken
    try {
      const [tag, payload] = JSON.parse((e as CustomEvent<string>).detail) as [string, Payload];
      report(tag, payload);
    } catch {
      /* ignore */
    }
  });
  document.dispatchEvent(new Event(READY_EVENT));
  if (role === 'same-origin-child') return; // recorded by an ancestor's rrweb (see frames.ts)

  const errorHandler = (error: unknown): boolean => {
    if (isPageException(error)) return false;
    report(CUSTOM_TAGS.recorderFailure, { message: describe(error), stack: stackOf(error) });
    return true;
  };

  const begin = (): void => {
    if (state !== State.Waiting) return;
    let failure: unknown;
    try {
      stopRecording = withSafeMessageListeners(() => record(recordOptions(emit, errorHandler, config.masking, role === 'top', config.checkoutEveryMs)));
    } catch (err) {
      failure = err;
    }
    state = stopRecording ? State.Recording : State.Failed;
    recordingSince = Date.now();
    if (state === State.Failed) {
      report(CUSTOM_TAGS.recorderFailure, {
        message: failure === undefined ? 'rrweb did not start' : describe(failure),
        stack: stackOf(failure),
      });
    }
    // From here, not from start(): the buffered marks and the dataLayer's earlier items come at once, past `pending`'s cap.
    if (role === 'top') watchMarkers(report, CUSTOM_TAGS.marker);
    for (const [tag, payload] of pending.splice(0)) report(tag, payload);
    if (state === State.Recording) requestChildSnapshots(recordingSince);
  };

  if (role === 'cross-origin-child') {
    listenForSnapshotRequests((since) => {
      if (state !== State.Recording) return;
      try {
        record.takeFullSnapshot();
        if (!parentListening) {
          parentListening = true;
          for (const [tag, payload, at] of unheard.splice(0)) {
            if (since !== undefined && at < since) record.addCustomEvent(tag, { ...payload, time: payload.time ?? at });
          }
        }
        requestChildSnapshots(recordingSince);
      } catch (err) {
        errorHandler(err);
      }
    });
  }

  // Start right after the load event, from our own listener: the snapshot then
  // costs the page nothing on its critical path (the proxy adds us after load), rrweb
  // snapshots synchronously inside record() (so failures are ours to catch), and
  // the snapshot holds whatever the customer typed meanwhile (input values are
  // part of it). Errors before that are kept in `pending` and emitted at start.
  const startSoon = (): void => { setTimeout(begin, 0); };
  if (document.readyState === 'complete') begin();
  else {
    addEventListener('load', startSoon, { once: true });
    setTimeout(begin, LOAD_WAIT_MS); // a page whose load never comes is still recorded
  }
}

/**
 * rrweb's cross-origin-iframe message listener reads `event.data.type` without a
 * guard, so a page posting `null` to itself would get a TypeError from us. Wrap
 * the 'message' listeners rrweb adds to this window while record() runs.
 */
function withSafeMessageListeners<T>(run: () => T): T {
  const w = window as Window & { addEventListener: (...args: unknown[]) => void };
  const own = Object.prototype.hasOwnProperty.call(w, 'addEventListener');
  const original = w.addEventListener;
  try {
    w.addEventListener = function (this: unknown, type: unknown, listener: unknown, options: unknown) {
      const safe =
        type === 'message' && typeof listener === 'function'
          ? function (this: unknown, e: unknown) {
              try {
                return (listener as (e: unknown) => unknown).call(this, e);
              } catch {
                /* ignore */
              }
            }
          : listener;
      return original.call(this, type, safe, options);
    };
    return run();
  } finally {
    if (own) w.addEventListener = original;
    else delete (w as { addEventListener?: unknown }).addEventListener;
  }
}
