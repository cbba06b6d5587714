/**
 * The player inside an exported evidence file (bundled into the file by
 * evidence-html.ts): rrweb's Replayer over the embedded events, every resource
 * a data: URL, so it replays from file:// with no network at all. The same
 * isolation as the viewer: the replay frame runs no script, canvases are drawn
 * by the player (replay-viewer/ui/canvas-painter.ts).
 * `window.verbatimReplay.seek(ms)` shows a moment (used by tests and the slider).
 */
import { Replayer, type eventWithTime } from 'rrweb';
import { CanvasPainter } from '../../replay-viewer/ui/canvas-painter';

const text = (id: string): string => document.getElementById(id)?.textContent ?? '';
const resources = JSON.parse(text('verbatim-resources')) as string[];
const events = JSON.parse(text('verbatim-events').replace(/verbatim-res:(\d+)/g, (m, n: string) => resources[Number(n)] ?? m)) as eventWithTime[];

const stage = document.getElementById('stage')!;
const slider = document.getElementById('position') as HTMLInputElement;
const clock = document.getElementById('clock')!;
const play = document.getElementById('play') as HTMLButtonElement;

const first = events[0]?.timestamp ?? 0;
const total = (events.at(-1)?.timestamp ?? first) - first;
slider.max = String(total);

const painter = new CanvasPainter();
const replayer = new Replayer(events, {
  root: stage, mouseTail: false, showWarning: false, showDebug: false, skipInactive: false, triggerFocus: true,
  pauseAnimation: true, insertStyleRules: ['* { overflow-anchor: none !important; }'], plugins: [painter.plugin],
});
painter.attach(replayer);
let playing = false;

function show(offset: number): void {
  slider.value = String(offset);
  clock.textContent = new Date(first + offset).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

async function settle(): Promise<void> {
  await painter.idle();
  const doc = replayer.iframe.contentDocument;
  if (doc) {
    await doc.fonts?.ready;
    await Promise.all([...doc.images].map((img) => (img.complete ? undefined : new Promise((r) => { img.onload = r; img.onerror = r; }))));
  }
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  document.documentElement.dataset.replayReady = 'true';
}

async function seek(offset: number): Promise<void> {
  document.documentElement.dataset.replayReady = 'false';
  const at = Math.min(total, Math.max(0, Math.round(offset)));
  replayer.pause(at);
  show(at);
  await settle();
}

slider.addEventListener('input', () => { void seek(Number(slider.value)); });
play.addEventListener('click', () => {
  playing = !playing;
  play.textContent = playing ? 'Pause' : 'Play';
  if (playing) replayer.play(Number(slider.value)); else replayer.pause();
});
replayer.on('finish', () => { playing = false; play.textContent = 'Play'; });
setInterval(() => { if (playing) show(Math.round(replayer.getCurrentTime())); }, 250);

(window as unknown as { verbatimReplay: unknown }).verbatimReplay = { seek, first, total };
setTimeout(() => { void seek(0); }, 0);
