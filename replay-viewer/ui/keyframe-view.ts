/**
 * A deep link's keyframe (replay/keyframe/): the moment as static HTML, carried in the player page's own HTML
 * (replay/keyframe/page-keyframe.ts) or, when the server could not have it ready in time, sent right after the events
 * stream's head; painted by the page's head script (early-requests.ts) before app.js and rrweb have arrived. In a
 * frame as isolated as the replay's: `sandbox="allow-same-origin"` (no script, no form, no navigation out of it;
 * same origin only so this page can write it and set its scroll), the viewer's CSP inherited by its about:blank
 * document. Written and scrolled as recorded in one task, so what is first seen is the moment; the scroll is set
 * again once its stylesheets and images are in. The player (player.ts) keeps it as its first frame, in place, until the whole session is in.
 *
 * `document.documentElement.dataset.firstFrame` is the moment drawn once it is shown; the stage has `data-keyframe`.
 */
import type { EventStreamHead } from '../replay/event-stream';
import type { Keyframe } from '../replay/keyframe/index';
import { PAGE_KEYFRAME_ID, type PageKeyframe } from '../replay/keyframe/page-keyframe';
import { SCROLL_ATTRIBUTE } from '../replay/keyframe/scroll-attribute';
import { frameStage } from './frame-stage';

export const KEYFRAME_STAGE = '[data-keyframe]';

/**
 * Reads the stream's head and keyframe lines (the player reads its own copy of the stream) and paints the keyframe;
 * resolves once it is painted, or at once when there is none.
 */
export async function readKeyframe(body: NonNullable<Response['body']>): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let text = '';
    const lines: string[] = [];
    while (lines.length < 2) {
      const { value, done } = await reader.read();
      if (done) return;
      if (!text && !lines.length) performance.mark('verbatim:keyframe-bytes');
      text += value;
      let nl: number;
      while (lines.length < 2 && (nl = text.indexOf('\n')) >= 0) {
        lines.push(text.slice(0, nl));
        text = text.slice(nl + 1);
      }
      if (lines.length && !(JSON.parse(lines[0]!) as { head: EventStreamHead }).head.keyframe) return;
    }
    performance.mark('verbatim:frame-events');
    const { head } = JSON.parse(lines[0]!) as { head: EventStreamHead };
    const { keyframe } = JSON.parse(lines[1]!) as { keyframe: Keyframe };
    void reader.cancel().catch(() => undefined);
    await paintKeyframe(keyframe, head.shown);
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/**
 * The keyframe the page carries at its end (replay/keyframe/page-keyframe.ts; ui-routes.ts sends the rest of the
 * page first), painted once the page is parsed and styled; resolves once it is painted, with false when the page has
 * none (its events stream then brings it).
 */
export function paintPageKeyframe(): Promise<boolean> {
  return new Promise<boolean>((done) => whenParsed(() => {
    const el = document.getElementById(PAGE_KEYFRAME_ID);
    if (!el || el.getAttribute('type') !== 'application/json') return done(false);
    let frame: PageKeyframe;
    try {
      frame = JSON.parse(el.textContent ?? '') as PageKeyframe;
    } catch {
      return done(false);
    }
    el.remove();
    // The page carried it: its events are asked for without one, by the head script and the player alike
    // (early-requests.ts playerStreamUrl).
    const follows = document.documentElement.dataset.keyframeFollows;
    if (follows) document.documentElement.dataset.pageKeyframe = follows;
    performance.mark('verbatim:frame-events');
    void paintKeyframe(frame.keyframe, frame.shown).then(() => done(true));
  }));
}

function paintKeyframe(keyframe: Keyframe, shown: number): Promise<void> {
  return new Promise<void>((painted) => whenParsed(() => whenStyled(() => showKeyframe(keyframe, shown, painted))));
}

function showKeyframe(keyframe: Keyframe, shown: number, painted: () => void): void {
  const app = document.getElementById('app');
  // The player has started already (it then draws its own first frame).
  if (!app || app.childElementCount) return painted();
  const status = document.createElement('p');
  status.className = 'player-status';
  status.setAttribute('role', 'status');
  status.textContent = 'Loading the whole session…';
  app.append(status);
  const { el, root } = frameStage(app, keyframe);
  el.dataset.keyframe = String(shown);
  const wrapper = document.createElement('div');
  wrapper.className = 'replayer-wrapper';
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-same-origin');
  iframe.setAttribute('scrolling', 'no');
  iframe.width = String(keyframe.width);
  iframe.height = String(keyframe.height);
  iframe.tabIndex = -1;
  iframe.title = "Replay of the customer's page (first frame; the session is still loading)";
  iframe.style.pointerEvents = 'none';
  wrapper.append(iframe);
  root.append(wrapper);
  // Written into the frame's own about:blank document (sandboxed from its creation, the page's CSP inherited) rather
  // than as srcdoc: parsed at once, without a navigation (one more round of the browser's processes under load).
  const doc = iframe.contentDocument;
  if (!doc) return painted();
  doc.open();
  doc.write(keyframe.html);
  doc.close();
  const scroll = () => {
    doc.defaultView?.scrollTo(keyframe.scrollX, keyframe.scrollY);
    for (const node of Array.from(doc.querySelectorAll(`[${SCROLL_ATTRIBUTE}]`))) {
      const [x, y] = (node.getAttribute(SCROLL_ATTRIBUTE) ?? '').split(' ').map(Number);
      node.scrollLeft = x || 0;
      node.scrollTop = y || 0;
    }
  };
  scroll();
  document.documentElement.dataset.firstFrame = String(shown);
  performance.mark('verbatim:frame-drawn');
  // Again once its stylesheets and images are in (the page may have been too short before).
  iframe.addEventListener('load', scroll, { once: true });
  // A task queued in an animation frame runs after that frame's paint. The written stylesheets are parser-inserted,
  // so they hold the frame's rendering (no unstyled flash) and this waits for them; a hidden tab paints nothing.
  if (document.visibilityState === 'hidden') painted();
  else requestAnimationFrame(() => setTimeout(painted, 0));
}

/** Once the page's body is parsed (before app.js runs: deferred scripts wait for it). */
function whenParsed(run: () => void): void {
  if (document.readyState !== 'loading') return run();
  document.addEventListener('readystatechange', run, { once: true });
}

/** Once the page's stylesheets are in: the stage's size depends on them. */
function whenStyled(run: () => void): void {
  const pending = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')).filter((l) => !l.sheet);
  if (!pending.length) return run();
  let left = pending.length;
  for (const link of pending) {
    const done = () => void (--left === 0 && run());
    link.addEventListener('load', done, { once: true });
    link.addEventListener('error', done, { once: true });
  }
}
