/**
 * Canvas replay without giving recorded content a scripting context.
 *
 * The replay frame is `sandbox="allow-same-origin"` without `allow-scripts`, so no
 * recorded byte can run (docs/ARCHITECTURE.md, "Replay isolation"). Chromium then
 * renders a `<canvas>` there as its fallback content: no size, nothing drawn. So
 * the player draws canvases itself, in its own realm: an rrweb replay plugin sees
 * every applied event (also while seeking), keeps one surface per recorded canvas
 * (a canvas of the viewer's document, never attached), draws the snapshot image
 * and the recorded commands on it in recorded order, and presents the pixels on
 * the replayed element as `content: url(blob:…)`. That makes the element a
 * replaced element with the canvas's intrinsic size, so its layout is a canvas's.
 *
 * A canvas serialised with its pixels (snapshot or mutation) is followed by command batches that only repeat
 * what those pixels already show (rrweb's recorder defers each command by a task and sends them on the next
 * animation frame, so commands issued in the task that added the canvas reach the recording after its image,
 * in one batch or, on a busy page, several). Such an echo is drawn once, not twice: batches shortly after an
 * image are drawn on the surface (they may be new drawing) and also on a scratch surface of their own; once the
 * scratch shows the image's picture, they were its echo and the surface gets the image's pixels back.
 *
 * rrweb casts some events twice: a forward play skips what it cast up to its last event, but dates a mouse-move
 * batch at its first position, so the events between that position and the batch are cast again. Drawing is not
 * idempotent (a half-transparent fill drawn twice is darker), so each event is applied once per full snapshot.
 */
import type { Replayer, ReplayPlugin, eventWithTime } from 'rrweb';
import { applyCommands, decodeDataUrl, newSurface, preloadImages, samePixels, startsWithFullClear, type CommandBatch, type ImageMap } from './canvas-drawing';

const FULL_SNAPSHOT = 2;
const INCREMENTAL_SNAPSHOT = 3;
const MUTATION = 0;
const CANVAS_MUTATION = 9;
const ELEMENT_NODE = 2;
const DEFAULT_SIZE = { width: 300, height: 150 };
/** How long presenting waits for the browser to decode a canvas's new pixels before showing them anyway. */
const DECODE_WAIT_MS = 2_000;
/** How long after a canvas's image, and in how many batches, its echo may arrive (rrweb sends within a frame or two). */
const ECHO_WINDOW_MS = 1_000;
const ECHO_MAX_BATCHES = 16;
/** Large enough for any real canvas; a hostile recording must not make the player allocate gigabytes. */
const MAX_SIDE = 16_384;

interface SerializedNode { type?: number; id?: number; tagName?: string; attributes?: Record<string, unknown>; childNodes?: SerializedNode[] }

interface CanvasState {
  surface: HTMLCanvasElement;
  /** Operations on the surface, one after the other, in recorded order. */
  queue: Promise<void>;
  /** Set while command batches may still be the echo of the last serialised image (see above). */
  echo?: Echo;
  /** When the window for the echo of its last image closes (event time), while the painter watches for it. */
  echoUntil?: number;
  /** Its last recorded image could not be decoded. */
  undecoded?: boolean;
  version: number;
  presented: number;
  url?: string;
}

interface Echo {
  /** The image's pixels, as drawn on the surface. */
  image: ImageData;
  /** The batches since the image, drawn alone. */
  scratch: HTMLCanvasElement;
  /** The image's event time: batches recorded later than ECHO_WINDOW_MS after it are not its echo. */
  at: number;
  batches: number;
}

/** How pixels reach the replayed element: a blob: URL (viewer) or a data: URL. */
export type PresentAs = 'blob' | 'data';

export class CanvasPainter {
  readonly plugin: ReplayPlugin;
  private canvases = new Map<number, CanvasState>();
  /** Events applied since the last full snapshot (rrweb may cast one again: see above). */
  private applied = new WeakSet<object>();
  /** Canvases whose last image's echo window is open: their scratch copies are dropped when it closes. */
  private echoing = new Set<CanvasState>();
  private readonly images: ImageMap = new Map();
  private replayer: Replayer | undefined;
  private busy = 0;
  private waiters: (() => void)[] = [];
  private presentScheduled = false;
  private presenting: Promise<void> = Promise.resolve();

  constructor(private readonly presentAs: PresentAs = 'blob') {
    this.plugin = {
      // Never throw into rrweb: a failure here costs a canvas, not the replay.
      handler: (event, _isSync, { replayer }) => {
        this.replayer = replayer;
        try {
          this.onEvent(event);
        } catch {
          /* a malformed event draws nothing */
        }
      },
      onBuild: (node, { id, replayer }) => {
        this.replayer = replayer;
        const state = this.canvases.get(id);
        if (state?.url) this.show(node as Node, state.url);
      },
    };
  }

  /** Call once the Replayer exists: re-presents after rrweb's virtual DOM is written back. */
  attach(replayer: Replayer): void {
    this.replayer = replayer;
    replayer.on('flush', () => this.schedulePresent());
  }

  /**
   * How many times a canvas element was given new pixels. The replay document loads each as an image of its own,
   * so readiness waits for the document's images again when this moved while it waited.
   */
  shown = 0;

  /** Canvases shown now whose recorded image could not be decoded (they show only what was drawn after it). */
  undecodedCanvases(): number {
    return [...this.canvases.values()].filter((s) => s.undecoded).length;
  }

  /** Resolves when every canvas shows its latest pixels. */
  idle(): Promise<void> {
    if (this.busy === 0 && !this.presentScheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private onEvent(event: eventWithTime): void {
    const data = event.data as Record<string, unknown> | undefined;
    this.closeEchoWindows(event.timestamp);
    if (event.type === FULL_SNAPSHOT) {
      // Node ids start over with every full snapshot (also when seeking back).
      for (const state of this.canvases.values()) this.revoke(state);
      this.canvases.clear();
      this.echoing.clear();
      this.applied = new WeakSet();
      this.collect(data?.node as SerializedNode | undefined, event.timestamp);
    } else if (this.applied.has(event)) {
      return;
    } else if (event.type === INCREMENTAL_SNAPSHOT && data?.source === MUTATION) {
      for (const add of arrayOf(data.adds)) this.collect(add.node as SerializedNode | undefined, event.timestamp);
      for (const change of arrayOf(data.attributes)) {
        const state = this.canvases.get(change.id as number);
        const attrs = change.attributes as Record<string, unknown> | undefined;
        if (!state || !attrs) continue;
        // Setting width or height resets the bitmap, as on the page.
        if ('width' in attrs || 'height' in attrs) this.resize(state, attrs);
        if (typeof attrs.rr_dataURL === 'string') this.image(state, attrs.rr_dataURL, event.timestamp);
      }
    } else if (event.type === INCREMENTAL_SNAPSHOT && data?.source === CANVAS_MUTATION) {
      const state = this.canvases.get(data.id as number);
      const batch = toBatch(data);
      if (state && batch) this.commands(state, event, batch);
    } else {
      return;
    }
    this.applied.add(event);
    this.schedulePresent();
  }

  /** Every canvas in a serialised tree (document, iframes, shadow roots) gets a surface. */
  private collect(node: SerializedNode | undefined, at: number): void {
    if (!node || typeof node !== 'object') return;
    if (node.type === ELEMENT_NODE && String(node.tagName).toLowerCase() === 'canvas' && typeof node.id === 'number') {
      const attrs = node.attributes ?? {};
      const previous = this.canvases.get(node.id);
      if (previous) this.revoke(previous);
      const state: CanvasState = { surface: newSurface(size(attrs.width, DEFAULT_SIZE.width), size(attrs.height, DEFAULT_SIZE.height)), queue: Promise.resolve(), version: 1, presented: 0 };
      this.canvases.set(node.id, state);
      if (typeof attrs.rr_dataURL === 'string') this.image(state, attrs.rr_dataURL, at);
    }
    if (Array.isArray(node.childNodes)) for (const child of node.childNodes) this.collect(child, at);
  }

  private resize(state: CanvasState, attrs: Record<string, unknown>): void {
    this.enqueue(state, async () => {
      if ('width' in attrs) state.surface.width = size(attrs.width, DEFAULT_SIZE.width);
      if ('height' in attrs) state.surface.height = size(attrs.height, DEFAULT_SIZE.height);
      state.echo = undefined;
    });
  }

  private image(state: CanvasState, url: string, at: number): void {
    const bitmap = decodeDataUrl(url); // decoding starts now; drawing waits for its turn
    state.echoUntil = at + ECHO_WINDOW_MS;
    this.echoing.add(state);
    this.enqueue(state, async () => {
      const image = await bitmap;
      const { surface } = state;
      const ctx = surface.getContext('2d');
      state.undecoded = !image;
      state.echo = undefined;
      if (!image || !ctx) return;
      ctx.clearRect(0, 0, surface.width, surface.height);
      ctx.drawImage(image, 0, 0, image.width, image.height);
      if (surface.width && surface.height) {
        state.echo = { image: ctx.getImageData(0, 0, surface.width, surface.height), scratch: newSurface(surface.width, surface.height), at, batches: 0 };
      }
    });
  }

  private commands(state: CanvasState, event: eventWithTime, batch: CommandBatch): void {
    const images = preloadImages(batch, this.images);
    this.enqueue(state, async () => {
      await images;
      const { surface, echo } = state;
      await applyCommands(surface, event, batch, this.images);
      if (!echo) return;
      if (event.timestamp - echo.at > ECHO_WINDOW_MS || ++echo.batches > ECHO_MAX_BATCHES || startsWithFullClear(batch, surface.width, surface.height)) {
        state.echo = undefined;
        return;
      }
      await applyCommands(echo.scratch, event, batch, this.images);
      // The image already showed these commands: its pixels, not the image and its echo on top. putImageData
      // ignores the transform, alpha, compositing and clip the commands left set, which stay as the page had them.
      // Watched on until the window closes: a later batch may still be part of the echo (a small text, say).
      if (samePixels(echo.scratch, echo.image)) surface.getContext('2d')?.putImageData(echo.image, 0, 0);
    });
  }

  /** Drops the scratch copies of images whose echo window closed before `now` (in turn, after the batches before it). */
  private closeEchoWindows(now: number): void {
    for (const state of this.echoing) {
      if (now <= state.echoUntil!) continue;
      this.echoing.delete(state);
      this.enqueue(state, async () => {
        state.echo = undefined;
      }, false);
    }
  }

  private enqueue(state: CanvasState, op: () => Promise<void>, drawsOnSurface = true): void {
    this.busy++;
    state.queue = state.queue.then(op).catch(() => undefined).then(() => {
      if (drawsOnSurface) state.version++;
      this.busy--;
      this.schedulePresent();
    });
  }

  private schedulePresent(): void {
    if (this.presentScheduled) return;
    this.presentScheduled = true;
    // After the current (possibly synchronous, seeking) run of events and rrweb's flush; a page that renders no
    // frames (hidden, throttled) presents after 250 ms, so waiting for the canvases never waits for the tab.
    let started = false;
    const present = (): void => {
      if (started) return;
      started = true;
      this.presentScheduled = false;
      // One presentation at a time: encoding takes a while, and an older one finishing after a newer one would put
      // older pixels back (under load CI saw a canvas replayed blank: the empty surface's encoding finished last).
      this.busy++;
      this.presenting = this.presenting.then(() => this.presentAll()).catch(() => undefined).then(() => {
        this.busy--;
        if (this.busy === 0 && !this.presentScheduled) for (const w of this.waiters.splice(0)) w();
      });
    };
    requestAnimationFrame(present);
    setTimeout(present, 250);
  }

  private async presentAll(): Promise<void> {
    for (const [id, state] of this.canvases) {
      if (state.presented !== state.version) {
        const version = state.version;
        const url = await this.encode(state.surface);
        if (this.canvases.get(id) !== state) {
          if (url && this.presentAs === 'blob') URL.revokeObjectURL(url);
          continue;
        }
        const old = state.url;
        state.url = url;
        state.presented = version;
        if (old && this.presentAs === 'blob') setTimeout(() => URL.revokeObjectURL(old), 1_000);
        // Drawn on meanwhile (an operation that finished while this encoded): present again.
        if (state.version !== version) this.schedulePresent();
      }
      const node = this.replayer?.getMirror().getNode(id);
      if (node && state.url) this.show(node, state.url);
    }
  }

  private async encode(surface: HTMLCanvasElement): Promise<string | undefined> {
    if (!surface.width || !surface.height) return undefined;
    if (this.presentAs === 'data') return surface.toDataURL('image/png');
    const blob = await new Promise<Blob | null>((resolve) => surface.toBlob(resolve, 'image/png'));
    if (!blob) return undefined;
    const url = URL.createObjectURL(blob);
    // Decoded before it is shown, so the element never flashes empty.
    const img = new Image();
    img.src = url;
    // Capped: a decode can wait for a frame that a throttled page does not produce; the element then shows it late.
    await Promise.race([img.decode().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, DECODE_WAIT_MS))]);
    return url;
  }

  private show(node: Node, url: string): void {
    // rrweb's virtual DOM (while seeking) hands over its own nodes: only real elements are shown.
    if ((node as { RRNodeType?: unknown }).RRNodeType !== undefined) return;
    const el = node as HTMLElement;
    if (el.nodeType !== 1 || el.localName !== 'canvas' || typeof el.style?.getPropertyValue !== 'function') return;
    const value = `url("${url}")`;
    if (el.style.getPropertyValue('content') === value) return;
    el.style.setProperty('content', value, 'important');
    this.shown++;
  }

  private revoke(state: CanvasState): void {
    if (state.url && this.presentAs === 'blob') URL.revokeObjectURL(state.url);
  }
}

function size(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 ? Math.min(n, MAX_SIDE) : fallback;
}

function toBatch(data: Record<string, unknown>): CommandBatch | undefined {
  const type = typeof data.type === 'number' ? data.type : 0;
  if (Array.isArray(data.commands)) return { type, commands: data.commands as CommandBatch['commands'] };
  if (typeof data.property === 'string' && Array.isArray(data.args)) return { type, commands: [data as unknown as CommandBatch['commands'][number]] };
  return undefined;
}

function arrayOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : [];
}
