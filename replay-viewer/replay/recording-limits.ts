/**
 * What a recording could not hold, read from its rrweb events (the wire format, not rrweb itself): elements the
 * page blocked from recording (drawn as empty boxes), frames whose document never arrived (cross-origin frames
 * the recorder could not reach), text masked by policy, and canvases with no recorded pixels. Closed shadow roots
 * are invisible to the recorder and cannot be counted; docs/FIDELITY.md says so.
 */
import type { RecordedEvent } from '../../store/records';
import { EventType, NodeType, Source } from '../../recorder/rrweb-wire';

export interface RecordingLimits {
  /** Elements recorded as placeholders (blocked by class or selector), each counted once by tag, id and class. */
  blockedElements: number;
  /** Frames with an http(s) source whose document was never recorded. */
  framesNotRecorded: number;
  /** Elements whose text the masking policy replaced. */
  maskedElements: number;
  /** Canvases with neither a snapshot of their pixels nor drawing commands. */
  canvasesWithoutPixels: number;
}

/** The limits that lower the fidelity score; the others are reported only. */
export const PENALISED_LIMITS = ['blockedElements', 'framesNotRecorded'] as const satisfies readonly (keyof RecordingLimits)[];

const MASK = /(^|\s)verbatim-mask(\s|$)/;
const INVISIBLE = new Set(['script', 'style', 'link', 'meta', 'noscript', 'template', 'head', 'title']);

interface Node { type?: number; id?: number; tagName?: string; attributes?: Record<string, unknown>; childNodes?: Node[] }

export function recordingLimits(events: readonly RecordedEvent[]): RecordingLimits {
  const limits: RecordingLimits = { blockedElements: 0, framesNotRecorded: 0, maskedElements: 0, canvasesWithoutPixels: 0 };
  const frames = new Set<number>();
  const framesWithDocument = new Set<number>();
  const canvases = new Set<number>();
  const drawnCanvases = new Set<number>();
  // Counted once per element (tag, id, class), not once per snapshot that repeats it.
  const blocked = new Set<string>();
  const masked = new Set<string>();
  let tab = 0;
  const visit = (node: Node | undefined): void => {
    if (!node || typeof node !== 'object') return;
    if (node.type === NodeType.Element) {
      const tag = String(node.tagName ?? '').toLowerCase();
      const attrs = node.attributes ?? {};
      const key = tab * 1e9 + (node.id ?? -1);
      const signature = `${tag}#${String(attrs.id ?? '')}.${String(attrs.class ?? '')}`;
      // A blocked script (the recorder's own tag is blocked) hides nothing anyone saw.
      if ('rr_width' in attrs && !INVISIBLE.has(tag)) blocked.add(signature);
      if ((typeof attrs.class === 'string' && MASK.test(attrs.class)) || 'data-verbatim-mask' in attrs) masked.add(signature);
      if ((tag === 'iframe' || tag === 'frame') && typeof attrs.src === 'string' && /^\s*(https?:|\/)/i.test(attrs.src)) frames.add(key);
      if (tag === 'canvas') {
        canvases.add(key);
        if (typeof attrs.rr_dataURL === 'string') drawnCanvases.add(key);
      }
      if ((tag === 'iframe' || tag === 'frame') && node.childNodes?.length) framesWithDocument.add(key);
    }
    for (const child of node.childNodes ?? []) visit(child);
  };
  for (const event of events) {
    const data = event.data as Record<string, unknown> | undefined;
    if (!data || typeof data !== 'object') continue;
    if (event.type === EventType.FullSnapshot) {
      tab += 1; // node ids start over with every full snapshot
      visit(data.node as Node);
    } else if (event.type === EventType.IncrementalSnapshot && data.source === Source.Mutation) {
      for (const add of (Array.isArray(data.adds) ? data.adds : []) as { parentId?: number; node?: Node }[]) {
        // A frame's document arrives as a node added under the frame element.
        if (typeof add.parentId === 'number') framesWithDocument.add(tab * 1e9 + add.parentId);
        visit(add.node);
      }
    } else if (event.type === EventType.IncrementalSnapshot && data.source === Source.CanvasMutation && typeof data.id === 'number') {
      drawnCanvases.add(tab * 1e9 + data.id);
    }
  }
  limits.blockedElements = blocked.size;
  limits.maskedElements = masked.size;
  for (const frame of frames) if (!framesWithDocument.has(frame)) limits.framesNotRecorded += 1;
  for (const canvas of canvases) if (!drawnCanvases.has(canvas)) limits.canvasesWithoutPixels += 1;
  return limits;
}
