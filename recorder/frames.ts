/**
 * Frame roles. The proxy injects the recorder into every HTML document, iframes
 * included, and every instance calls rrweb's record() with
 * recordCrossOriginIframes: true. What rrweb (2.x, record()) then does:
 *
 * - top window (`window.parent === window`): the "emitting frame". It records
 *   its document and, through its IframeManager, every same-origin iframe's
 *   document (the snapshot descends into contentDocument; a load listener
 *   observes later ones). With recordCrossOriginIframes it also listens for
 *   `message` events of type 'rrweb' from any iframe it has serialized, rewrites
 *   their node ids into its own id space, turns the child's FullSnapshot into an
 *   "attach iframe" mutation, drops the child's Meta/Load/DOMContentLoaded and
 *   emits the rest through its own emit. Only this frame uploads.
 * - same-origin child (`window.parent.document` readable): record() returns a
 *   no-op at once; the ancestor's rrweb already records this document. We do
 *   not even call record() there, and forward error events to the parent.
 * - cross-origin child (reading `window.parent.document` throws): rrweb records
 *   normally but, instead of calling emit, posts every event to window.parent
 *   ({type:'rrweb', event, origin, isCheckout}, targetOrigin '*'). Its own
 *   same-origin sub-frames are recorded by it, as in the top window. It never
 *   uploads.
 *
 * The gap this file closes: the parent accepts a child's messages only after
 * the parent has serialized that <iframe> element. If the child took its
 * FullSnapshot first (e.g. the parent's DOMContentLoaded waited on a slow
 * script), the child's content would be missing. So after every full snapshot
 * a recording frame asks its descendant frames for a fresh one; a child answers
 * only if it is already recording (otherwise its own first snapshot, taken
 * later, reaches a parent that is ready).
 */
import { SNAPSHOT_REQUEST_MESSAGE } from './protocol';

export type FrameRole = 'top' | 'same-origin-child' | 'cross-origin-child';

export function frameRole(): FrameRole {
  if (window.parent === window) return 'top';
  // The exact test rrweb uses to choose between "no-op" and "post to parent".
  try {
    return window.parent.document ? 'same-origin-child' : 'cross-origin-child';
  } catch {
    return 'cross-origin-child';
  }
}

/**
 * Whether a cross-origin child may hand its events to its parent. rrweb posts
 * them with targetOrigin '*', so any page framing this one could read them;
 * a configured allow-list closes that (the parent's origin comes from
 * location.ancestorOrigins; browsers without it are refused when a list is set).
 */
export function parentAllowed(allowed: string[] | undefined): boolean {
  if (!allowed || allowed.includes('*')) return true;
  const origin = location.ancestorOrigins?.[0];
  return !!origin && allowed.includes(origin);
}

/**
 * Asks every descendant frame we record on behalf of (see above) for a fresh full snapshot. `since` is when this
 * frame's rrweb began listening to its children: what a child sent before that was lost, and it sends it again.
 */
export function requestChildSnapshots(since: number, win: Window = window): void {
  for (let i = 0; i < win.frames.length; i++) {
    const child = win.frames[i];
    try {
      child.postMessage({ type: SNAPSHOT_REQUEST_MESSAGE, since }, '*');
      // A same-origin child is recorded by us, so its cross-origin children post
      // to it and our rrweb handles them: ask those too.
      if (sameOrigin(child)) requestChildSnapshots(since, child);
    } catch {
      /* frame went away */
    }
  }
}

/** Runs `onRequest` when an ancestor frame asks this frame for a fresh full snapshot (with when it began listening). */
export function listenForSnapshotRequests(onRequest: (since: number | undefined) => void): void {
  addEventListener('message', (e) => {
    try {
      if (e.data?.type === SNAPSHOT_REQUEST_MESSAGE && isAncestor(e.source)) onRequest(typeof e.data.since === 'number' ? e.data.since : undefined);
    } catch {
      /* never let a stray message throw */
    }
  });
}

function isAncestor(source: MessageEventSource | null): boolean {
  for (let w: Window = window; w !== w.parent; ) {
    w = w.parent;
    if (w === source) return true;
  }
  return false;
}

function sameOrigin(win: Window): boolean {
  try {
    return !!win.document;
  } catch {
    return false;
  }
}
