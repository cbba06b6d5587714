/**
 * Canvas replay. rrweb draws a canvas's snapshot (rr_dataURL) without help, but
 * replays later 2D drawing commands only with UNSAFE_replayCanvas, which gives the
 * replay iframe `allow-scripts`. Nothing of the recorded page can run there even
 * then: rrweb rebuilds <script> as <noscript>, and the iframe inherits the viewer's
 * CSP (script-src 'self', no inline code, no javascript: URLs, object-src 'none').
 * Still, ask for it only when the recording has canvas drawing to replay.
 */
const FULL_SNAPSHOT = 2;
const INCREMENTAL_SNAPSHOT = 3;
const CANVAS_MUTATION = 9;
const ELEMENT_NODE = 2;
const CONTEXT_2D = 0;

interface EventLike { type: number; timestamp: number; data?: unknown }
interface NodeLike { type?: number; id?: number; tagName?: string; attributes?: Record<string, unknown>; childNodes?: NodeLike[] }

export function needsCanvasReplay(events: readonly { type: number; data?: unknown }[]): boolean {
  return events.some((e) => e.type === INCREMENTAL_SNAPSHOT && (e.data as { source?: unknown } | undefined)?.source === CANVAS_MUTATION);
}

/**
 * When seeking, rrweb applies a snapshot's canvas image when that image has loaded,
 * which is after it applied the drawing commands that followed: the old pixels
 * cover the new ones. So the snapshot's pixels become a drawing command of their own,
 * decoded here beforehand, placed right after the snapshot: rrweb then applies
 * everything in recorded order. Returns a new array; events are changed in place.
 */
export async function canvasSnapshotsAsCommands<T extends EventLike>(events: T[]): Promise<T[]> {
  if (!needsCanvasReplay(events)) return events;
  const out: T[] = [];
  for (const event of events) {
    out.push(event);
    if (event.type !== FULL_SNAPSHOT) continue;
    const canvases: NodeLike[] = [];
    collectCanvases((event.data as { node?: NodeLike } | undefined)?.node, canvases);
    for (const canvas of canvases) {
      const url = canvas.attributes!.rr_dataURL as string;
      const bitmap = await decodeDataUrl(url);
      if (!bitmap) continue;
      delete canvas.attributes!.rr_dataURL;
      out.push({
        type: INCREMENTAL_SNAPSHOT,
        timestamp: event.timestamp,
        data: { source: CANVAS_MUTATION, id: canvas.id, type: CONTEXT_2D, commands: [{ property: 'drawImage', args: [bitmap, 0, 0] }] },
      } as unknown as T);
    }
  }
  return out;
}

function collectCanvases(node: NodeLike | undefined, into: NodeLike[]): void {
  if (!node || typeof node !== 'object') return;
  if (node.type === ELEMENT_NODE && String(node.tagName).toLowerCase() === 'canvas' && typeof node.id === 'number' &&
      typeof node.attributes?.rr_dataURL === 'string') into.push(node);
  if (Array.isArray(node.childNodes)) for (const child of node.childNodes) collectCanvases(child, into);
}

/** data:image/...;base64,... → ImageBitmap (without fetch: the viewer's CSP keeps connect-src to 'self'). */
async function decodeDataUrl(url: string): Promise<ImageBitmap | undefined> {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!m) return undefined;
  try {
    const bin = atob(m[2]!);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return await createImageBitmap(new Blob([bytes], { type: m[1] }));
  } catch {
    return undefined;
  }
}
