/**
 * Drawing recorded canvas content on a surface the player owns (a canvas of the
 * viewer's own document, never the replay's): snapshot images, rrweb's recorded
 * 2D/WebGL commands (through rrweb's own `canvasMutation`), and the check that
 * tells an image's echo (the commands it already shows) from new drawing.
 */
import { canvasMutation, type eventWithTime } from 'rrweb';

const CONTEXT_2D = 0;

export interface CommandBatch {
  /** rrweb's CanvasContext: 0 = 2D, 1 = WebGL, 2 = WebGL2. */
  type: number;
  commands: { property: string; args: unknown[]; setter?: boolean }[];
}

export type ImageMap = Map<string, HTMLImageElement>;

/** data:image/...;base64,... → ImageBitmap, without fetch (the viewer's CSP keeps connect-src to 'self'). */
export async function decodeDataUrl(url: string): Promise<ImageBitmap | undefined> {
  const m = /^data:(image\/[\w.+-]+);base64,(.*)$/s.exec(url);
  if (!m) return undefined;
  try {
    const bin = atob(m[2]!);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return await withinDecodeTime(createImageBitmap(new Blob([bytes], { type: m[1] })));
  } catch {
    return decodeWithImage(url);
  }
}

/** The image decoder of an <img>, for what createImageBitmap refused (it is stricter with some encoders' output). */
async function decodeWithImage(url: string): Promise<ImageBitmap | undefined> {
  try {
    const img = new Image();
    img.src = url;
    await withinDecodeTime(img.decode());
    return await withinDecodeTime(createImageBitmap(img));
  } catch {
    return undefined;
  }
}

/** A recorded image that does not decode within 5 s is treated as one that does not decode: the canvas's queue goes on. */
function withinDecodeTime<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('decode timed out')), 5_000))]);
}

/**
 * Images that commands draw by URL (archive URLs after rewriting) are loaded before
 * the commands run: rrweb would create them on the spot and draw nothing.
 */
export async function preloadImages(batch: CommandBatch, images: ImageMap): Promise<void> {
  const urls: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.rr_type === 'HTMLImageElement' && typeof o.src === 'string' && !images.has(o.src)) urls.push(o.src);
      if ('args' in o) visit(o.args);
    }
  };
  for (const c of batch.commands) visit(c.args);
  await Promise.all(urls.map(async (src) => {
    const img = new Image();
    img.src = src;
    images.set(src, img);
    await Promise.race([img.decode().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
  }));
}

export async function applyCommands(surface: HTMLCanvasElement, event: eventWithTime, batch: CommandBatch, images: ImageMap): Promise<void> {
  if (batch.type !== CONTEXT_2D) {
    // Read back (to present it) long after drawing: keep the buffer. The first getContext call decides.
    surface.getContext(batch.type === 1 ? 'webgl' : 'webgl2', { preserveDrawingBuffer: true });
  }
  // An argument the page left undefined was recorded as null (JSON has no undefined), and null is not
  // "absent" to the canvas API: fillText(text, x, y, null) draws with a maximum width of 0, i.e. nothing.
  const commands = batch.type === CONTEXT_2D ? batch.commands.map((c) => (c.setter ? c : { ...c, args: withoutTrailingNulls(c.args) })) : batch.commands;
  await canvasMutation({
    event: event as never, mutation: { ...batch, commands } as never, target: surface, imageMap: images, canvasEventMap: new Map(),
    // A command the browser refuses (as it would have on the page) is skipped, as rrweb does.
    errorHandler: () => undefined,
  });
}

function withoutTrailingNulls(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === null) end--;
  return end === args.length ? args : args.slice(0, end);
}

const NEUTRAL = new Set(['save', 'restore', 'resetTransform', 'setTransform', 'beginPath']);

/** Whether a batch starts by clearing the whole canvas (then it never draws on top of older pixels). */
export function startsWithFullClear(batch: CommandBatch, width: number, height: number): boolean {
  for (const c of batch.commands) {
    if (c.setter || NEUTRAL.has(c.property)) continue;
    if (c.property !== 'clearRect') return false;
    const [x, y, w, h] = c.args as number[];
    return x! <= 0 && y! <= 0 && x! + w! >= width && y! + h! >= height;
  }
  return false;
}

/**
 * Whether two surfaces show the same picture: at most 1 % of the pixels that are
 * not transparent in both differ by more than 24 in a channel (premultiplied-alpha
 * rounding and another browser's anti-aliasing stay below that).
 */
export function samePixels(a: HTMLCanvasElement, b: ImageData): boolean {
  if (a.width !== b.width || a.height !== b.height || !a.width || !a.height) return false;
  const pa = a.getContext('2d')?.getImageData(0, 0, a.width, a.height).data;
  const pb = b.data;
  if (!pa) return false;
  let considered = 0;
  let differing = 0;
  for (let i = 0; i < pa.length; i += 4) {
    if (pa[i + 3] === 0 && pb[i + 3] === 0) continue;
    considered++;
    for (let c = 0; c < 4; c++) {
      if (Math.abs(pa[i + c]! - pb[i + c]!) > 24) {
        differing++;
        break;
      }
    }
  }
  return differing <= considered * 0.01;
}

export function newSurface(width: number, height: number): HTMLCanvasElement {
  const surface = document.createElement('canvas');
  surface.width = width;
  surface.height = height;
  return surface;
}
