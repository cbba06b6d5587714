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
 * A canvas serialised with its pixels (snapshot or mutation) whose first command
 * batch only repeats what those pixels already show (rrweb's recorder defers
 * commands by a task, so commands issued in the task that added the canvas reach
 * the recording after its image) is drawn once, not twice.
 */
import type { Replayer, ReplayPlugin, eventWithTime } from 'rrweb';
import { applyCommands, decodeDataUrl, newSurface, preloadImages, samePixels, startsWithFullClear, type CommandBatch, type ImageMap } from './canvas-drawing';

const FULL_SNAPSHOT = 2;
const INCREMENTAL_SNAPSHOT = 3;
const MUTATION = 0;
const CANVAS_MUTATION = 9;
const ELEMENT_NODE = 2;
const DEFAULT_SIZE = { width: 300, height: 150 };
/** Large enough for any real canvas; a hostile recording must not make the player allocate gigabytes. */
const MAX_SIDE = 16_384;

interface SerializedNode { type?: number; id?: number; tagName?: string; attributes?: Record<string, unknown>; childNodes?: SerializedNode[] }

interface CanvasState {
  surface: HTMLCanvasElement;
  /** Operations on the surface, one after the other, in recorded order. */
  queue: Promise<void>;
  /** The surface shows a serialised image and no command has been drawn since. */
  imageOnly: boolean;
  /** Its last recorded image could not be decoded. */
  undecoded?: boolean;
  version: number;
  presented: number;
  url?: string;
}

/** How pixels reach the replayed element: a blob: URL (viewer) or a data: URL. */
export type PresentAs = 'blob' | 'data';

export class CanvasPainter {
  readonly plugin: ReplayPlugin;
  private canvases = new Map<number, CanvasState>();
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
    if (event.type === FULL_SNAPSHOT) {
      // Node ids start over with every full snapshot (also when seeking back).
      for (const state of this.canvases.values()) this.revoke(state);
      this.canvases.clear();
      this.collect(data?.node as SerializedNode | undefined);
    } else if (event.type === INCREMENTAL_SNAPSHOT && data?.source === MUTATION) {
      for (const add of arrayOf(data.adds)) this.collect(add.node as SerializedNode | undefined);
      for (const change of arrayOf(data.attributes)) {
        const state = this.canvases.get(change.id as number);
        const attrs = change.attributes as Record<string, unknown> | undefined;
        if (!state || !attrs) continue;
        // Setting width or height resets the bitmap, as on the page.
        if ('width' in attrs || 'height' in attrs) this.resize(state, attrs);
        if (typeof attrs.rr_dataURL === 'string') this.image(state, attrs.rr_dataURL);
      }
    } else if (event.type === INCREMENTAL_SNAPSHOT && data?.source === CANVAS_MUTATION) {
      const state = this.canvases.get(data.id as number);
      const batch = toBatch(data);
      if (state && batch) this.commands(state, event, batch);
    } else {
      return;
    }
    this.schedulePresent();
  }

  /** Every canvas in a serialised tree (document, iframes, shadow roots) gets a surface. */
  private collect(node: SerializedNode | undefined): void {
    if (!node || typeof node !== 'object') return;
    if (node.type === ELEMENT_NODE && String(node.tagName).toLowerCase() === 'canvas' && typeof node.id === 'number') {
      const attrs = node.attributes ?? {};
      const previous = this.canvases.get(node.id);
      if (previous) this.revoke(previous);
      const state: CanvasState = { surface: newSurface(size(attrs.width, DEFAULT_SIZE.width), size(attrs.height, DEFAULT_SIZE.height)), queue: Promise.resolve(), imageOnly: false, version: 1, presented: 0 };
      this.canvases.set(node.id, state);
      if (typeof attrs.rr_dataURL === 'string') this.image(state, attrs.rr_dataURL);
    }
    if (Array.isArray(node.childNodes)) for (const child of node.childNodes) this.collect(child);
  }

  private resize(state: CanvasState, attrs: Record<string, unknown>): void {
    this.enqueue(state, async () => {
      if ('width' in attrs) state.surface.width = size(attrs.width, DEFAULT_SIZE.width);
      if ('height' in attrs) state.surface.height = size(attrs.height, DEFAULT_SIZE.height);
      state.imageOnly = false;
    });
  }

  private image(state: CanvasState, url: string): void {
    const bitmap = decodeDataUrl(url); // decoding starts now; drawing waits for its turn
    this.enqueue(state, async () => {
      const image = await bitmap;
      const ctx = state.surface.getContext('2d');
      state.undecoded = !image;
      if (!image || !ctx) return;
      ctx.clearRect(0, 0, state.surface.width, state.surface.height);
      ctx.drawImage(image, 0, 0, image.width, image.height);
      state.imageOnly = true;
    });
  }

  private commands(state: CanvasState, event: eventWithTime, batch: CommandBatch): void {
    const images = preloadImages(batch, this.images);
    this.enqueue(state, async () => {
      await images;
      const { surface } = state;
      if (state.imageOnly && !startsWithFullClear(batch, surface.width, surface.height)) {
        const alone = newSurface(surface.width, surface.height);
        await applyCommands(alone, event, batch, this.images);
        state.imageOnly = false;
        if (samePixels(alone, surface)) return; // the image already shows these commands
      }
      state.imageOnly = false;
      await applyCommands(surface, event, batch, this.images);
    });
  }

  private enqueue(state: CanvasState, op: () => Promise<void>): void {
    this.busy++;
    state.queue = state.queue.then(op).catch(() => undefined).then(() => {
      state.version++;
      this.busy--;
      this.schedulePresent();
    });
  }

  private schedulePresent(): void {
    if (this.presentScheduled) return;
    this.presentScheduled = true;
    // After the current (possibly synchronous, seeking) run of events and rrweb's flush.
    requestAnimationFrame(() => {
      this.presentScheduled = false;
      // One presentation at a time: encoding takes a while, and an older one finishing after a newer one would put
      // older pixels back (under load CI saw a canvas replayed blank: the empty surface's encoding finished last).
      this.busy++;
      this.presenting = this.presenting.then(() => this.presentAll()).catch(() => undefined).then(() => {
        this.busy--;
        if (this.busy === 0 && !this.presentScheduled) for (const w of this.waiters.splice(0)) w();
      });
    });
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
    await img.decode().catch(() => undefined);
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
