/**
 * A deep link's keyframe: the page at the moment shown, as static HTML the viewer's page can paint before its
 * script (and rrweb) has arrived (ui/keyframe-view.ts). Built from the very events the stream sends as the frame
 * (events[start..end), rewritten and neutralised: deep-link.ts, event-cache.ts), so resources point at the archive
 * as in the replay. Kept per track for the few moments asked for lately: a frame's events are fixed once the
 * track is cached (an append builds a new track).
 */
import type { CachedTrack } from '../event-cache';
import type { FrameRange } from '../deep-link';
import type { RecordedEvent } from '../../../store/records';
import { FrameTree, Unsupported } from './frame-tree';
import { inlineStylesheets, type KeyframeStyles } from './inline-stylesheets';
import { serializeHtml } from './serialize-html';

export type { KeyframeStyles, StylesheetSource } from './inline-stylesheets';

export interface Keyframe {
  html: string;
  /** The recorded viewport. */
  width: number;
  height: number;
  /** The window's scroll at the moment. */
  scrollX: number;
  scrollY: number;
}

/** Keyframes kept per track (each the size of its page's HTML). */
const PER_TRACK = 16;
const built = new WeakMap<CachedTrack, Map<number, Promise<Keyframe | null>>>();

/**
 * The keyframe for a frame, or undefined when a static page cannot show it (the player's rrweb frame does). Its
 * linked stylesheets are inlined from the archive (inline-stylesheets.ts); kept with the keyframe, so an archived
 * stylesheet erased meanwhile leaves memory with the track (the event cache's time to live).
 */
export async function keyframeOf(track: CachedTrack, range: FrameRange, styles?: KeyframeStyles): Promise<Keyframe | undefined> {
  let kept = built.get(track);
  if (!kept) built.set(track, (kept = new Map()));
  let keyframe = kept.get(range.end);
  if (keyframe === undefined) {
    keyframe = buildKeyframe(track.lines.slice(range.start, range.end).map((l) => JSON.parse(l) as RecordedEvent), styles);
    if (kept.size >= PER_TRACK) kept.delete(kept.keys().next().value!);
    kept.set(range.end, keyframe);
    // A failed build is not kept: the next request tries again.
    keyframe.catch(() => kept!.get(range.end) === keyframe && kept!.delete(range.end));
  }
  return (await keyframe) ?? undefined;
}

export async function buildKeyframe(events: readonly RecordedEvent[], styles?: KeyframeStyles): Promise<Keyframe | null> {
  let tree: FrameTree;
  try {
    tree = new FrameTree().apply(events);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  if (!tree.width || !tree.height) return null;
  if (styles) await inlineStylesheets(tree, styles);
  const scroll = tree.root!.scroll ?? { x: 0, y: 0 };
  return { html: serializeHtml(tree), width: tree.width, height: tree.height, scrollX: scroll.x, scrollY: scroll.y };
}
