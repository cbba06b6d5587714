/**
 * A player page's start: its status line, its events stream (event-stream-api.ts) and the first frame drawn as soon
 * as the frame's lines are in (first-frame.ts). Started by the page's small first script (first-frame-entry.ts)
 * before app.js is even asked for; the player (player.ts, in app.js) then takes the start over, once, instead of
 * starting its own. Both entries import this module from their one shared chunk (scripts/build.ts), so `started`
 * is the same variable for both: nothing crosses through a global.
 */
import type { SessionEvents } from './api';
import { clear, h } from './dom';
import { streamEvents } from './event-stream-api';
import { showFirstFrame, type FirstFrame } from './first-frame';
import { eventSelectOf } from '../replay/event-stream-url';
import { EventType } from '../../recorder/rrweb-wire';

export interface PlayerStart {
  status: HTMLElement;
  /** The whole track, in time order. */
  events: Promise<SessionEvents>;
  /** The first frame, once drawn (not when the frame had no snapshot or failed to build). */
  preview(): FirstFrame | undefined;
  /** Settles once the first frame has been painted, or once the events ended without one (success or not). */
  framed: Promise<void>;
}

let started: { key: string; start: PlayerStart } | undefined;

/** Clears `root` and starts the player's requests and first frame for session `id` at the page's moment. */
export function startPlayer(root: HTMLElement, id: string, params: URLSearchParams): PlayerStart {
  // For the time-to-first-frame bench (scripts/bench/first-frame.ts): when the player's code started.
  performance.mark('verbatim:player');
  document.documentElement.dataset.view = 'player';
  document.documentElement.dataset.replayReady = 'false';
  document.title = 'Session · Verbatim';
  clear(root);
  const status = h('p', { class: 'player-status', role: 'status' }, 'Loading session…');
  root.append(status);
  let preview: FirstFrame | undefined;
  let painted: () => void = () => undefined;
  const framePainted = new Promise<void>((resolve) => (painted = resolve));
  const events = streamEvents(id, eventSelectOf(params), (frame) => {
    if (!frame.events.some((e) => e.type === EventType.FullSnapshot)) return;
    status.textContent = 'Loading the whole session…';
    try {
      preview = showFirstFrame(root, frame);
      requestAnimationFrame(() => setTimeout(painted, 0));
    } catch {
      // Only a head start: the player shows the moment (or says what is wrong) either way.
    }
  });
  const ended = events.then(() => undefined, () => undefined);
  const start: PlayerStart = { status, events, preview: () => preview, framed: Promise.race([framePainted, ended]) };
  started = { key: startKey(id, params), start };
  return start;
}

/** The start made for this very page (same session, same query), once; undefined when there is none. */
export function takePlayerStart(id: string, params: URLSearchParams): PlayerStart | undefined {
  const mine = started?.key === startKey(id, params) ? started.start : undefined;
  started = undefined;
  return mine;
}

function startKey(id: string, params: URLSearchParams): string {
  return `${id}?${params.toString()}`;
}
