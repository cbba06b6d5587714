/**
 * The first frame of a replay, drawn from the first part of the streamed events (event-stream-api.ts) while the
 * rest of the session is still arriving: a Replayer over events[start..end) (the Meta rrweb starts from up to
 * the moment), paused at the moment the player will show (replay/display-moment.ts), in the same script-less
 * frame as the player (replayer-options.ts). The player replaces it once it has the whole session.
 *
 * `document.documentElement.dataset.firstFrame` is the moment drawn (epoch ms) once it is.
 */
import { Replayer, type eventWithTime } from 'rrweb';
import { CanvasPainter } from './canvas-painter';
import type { Frame } from './event-stream-api';
import { settledFrameEvents } from './frame-events';
import { frameStage } from './frame-stage';
import { replayerOptions } from './replayer-options';

const EVENT_META = 4;

export interface FirstFrame {
  el: HTMLElement;
  remove(): void;
}

export function showFirstFrame(container: HTMLElement, frame: Frame): FirstFrame {
  performance.mark('verbatim:frame-events');
  const meta = frame.events.find((e) => e.type === EVENT_META)?.data as { width?: number; height?: number } | undefined;
  const { el, root } = frameStage(container, meta);

  const painter = new CanvasPainter();
  // Straight into the frame's document: rrweb's virtual DOM would first copy the whole snapshot into it and diff it
  // back, which costs more than the few mutations it saves; superseded scrolls are dropped (frame-events.ts).
  const replayer = new Replayer(settledFrameEvents(frame.events) as unknown as eventWithTime[], { ...replayerOptions(root, painter), useVirtualDom: false });
  painter.attach(replayer);
  replayer.iframe.title = "Replay of the customer's page (first frame; the session is still loading)";
  replayer.iframe.tabIndex = -1;
  // At once, not after the Replayer's start-up timers as the player does: they find the snapshot applied.
  replayer.pause(frame.head.shown - frame.events[0]!.timestamp);
  document.documentElement.dataset.firstFrame = String(frame.head.shown);
  performance.mark('verbatim:frame-drawn');
  return {
    el,
    remove() {
      replayer.destroy();
      el.remove();
    },
  };
}
