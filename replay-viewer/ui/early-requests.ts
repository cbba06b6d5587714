/**
 * A player page's first requests (its events, the session, who is signed in), made by a small script inlined in
 * the page's head (early-requests-entry.ts, ui-routes.ts) while app.js is still downloading; the player takes each
 * answer over when it asks for the same URL (event-stream-api.ts, api.ts, me.ts), once.
 *
 * Why not from app.js: the answers start sooner, and a `fetch` made from app.js's code while DevTools (Playwright,
 * the bench) watches the network records its initiator's stack, for which V8 reparses the whole 450 KB bundle the
 * first time (40–100 ms measured, scripts/bench/first-frame.ts). From this script that costs ~1 ms, and app.js's
 * first fetch falls after the first frame is drawn. The events are still the page's `<link rel="preload">`: the
 * early fetch is handed the preloaded answer, so they are asked for once. The moment as static HTML (a keyframe), in
 * the page itself or at the start of the events' answer, is painted by this script before app.js runs
 * (keyframe-view.ts).
 */
import { eventSelectOf, eventStreamUrl, type EventSelect } from '../replay/event-stream-url';
import { paintPageKeyframe, readKeyframe } from './keyframe-view';

/** The requests' options, as the player makes them: a request that differs would not be the one taken over. */
export const JSON_REQUEST: RequestInit = { headers: { accept: 'application/json' }, credentials: 'same-origin' };
export const STREAM_REQUEST: RequestInit = { credentials: 'same-origin' };

declare global {
  interface Window {
    verbatimEarly?: Map<string, Promise<Response>>;
  }
}

const PLAYER_PATH = /^\/sessions\/([^/]+)\/?$/;

/** The player's script, preloaded but run only once the keyframe is painted (ui-routes.ts marks its preload so). */
const APP_PRELOAD = 'link[data-verbatim-app]';
/** Run the player's script by then whatever happened to the keyframe. */
const APP_AT_LATEST_MS = 1_500;

/** On a player page (`/sessions/<id>`, not `/live`): asks for what the player asks for first. */
export function startEarlyRequests(): void {
  const m = PLAYER_PATH.exec(location.pathname);
  if (!m) return;
  const startApp = appStarter();
  try {
    const id = decodeURIComponent(m[1]!);
    const early = new Map<string, Promise<Response>>();
    const ask = (url: string, init: RequestInit) => {
      const response = fetch(url, init);
      // Not taken (the player failed to start): no unhandled rejection in the console.
      response.catch(() => undefined);
      early.set(url, response);
      return response;
    };
    const select = eventSelectOf(new URLSearchParams(location.search));
    // The events with their keyframe line: the page carries no keyframe (preloaded then), or none came.
    const streamed = () => {
      const url = playerStreamUrl(id, select);
      const events = ask(url, STREAM_REQUEST).then((res) => {
        performance.mark('verbatim:events-response');
        if (!res.ok || !res.body) {
          startApp();
          return res;
        }
        // The keyframe is painted from one copy of the answer; the player reads the other, untouched.
        const [mine, theirs] = res.body.tee();
        void readKeyframe(mine).catch(() => undefined).finally(startApp);
        return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
      });
      events.catch(startApp);
      early.set(url, events);
    };
    if (document.documentElement.dataset.keyframeFollows === id) {
      // The page's own keyframe ends the page (ui-routes.ts): painted once the page is parsed; then the events are
      // asked for (without it) and the player's script runs. Streamed meanwhile (megabytes for a long session: the
      // page then has no preload of them) they took main-thread tasks and the server's CPU from the paint.
      void paintPageKeyframe().then((carried) => {
        if (!carried) return streamed();
        ask(playerStreamUrl(id, select), STREAM_REQUEST);
        startApp();
      }, startApp);
    } else {
      streamed();
    }
    ask(`/api/sessions/${encodeURIComponent(id)}`, JSON_REQUEST);
    ask('/api/me', JSON_REQUEST);
    window.verbatimEarly = early;
  } catch {
    startApp();
  }
  setTimeout(startApp, APP_AT_LATEST_MS);
}

/**
 * Runs the player's script once (when the page holds it back: ui-routes.ts). Its 450 KB take the main thread for
 * 100–400 ms; the keyframe needs it for a few milliseconds first.
 */
function appStarter(): () => void {
  const nonce = document.currentScript?.nonce ?? '';
  let started = false;
  return () => {
    const link = document.querySelector<HTMLLinkElement>(APP_PRELOAD);
    if (started || !link) return;
    started = true;
    performance.mark('verbatim:app-asked');
    const script = document.createElement('script');
    script.nonce = nonce;
    script.src = link.href;
    document.head.append(script);
  };
}

/**
 * The URL of a session's event stream as this page asks for it: without a keyframe line when the page carried the
 * keyframe in its own HTML (keyframe-view.ts marks `<html data-page-keyframe="<session id>">` once it found it), so
 * the player's request is the one this script made (or the page preloaded).
 */
export function playerStreamUrl(id: string, select: EventSelect): string {
  return eventStreamUrl(id, document.documentElement.dataset.pageKeyframe === id ? { ...select, keyframe: false } : select);
}

/** The early answer for `url`, once (its body can be read once), or undefined. */
export function takeEarly(url: string): Promise<Response> | undefined {
  const response = window.verbatimEarly?.get(url);
  window.verbatimEarly?.delete(url);
  return response;
}
