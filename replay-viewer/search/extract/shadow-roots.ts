/**
 * Open shadow roots (and iframes) in search's node map. rrweb lists a host's shadow children under the host (marked isShadow),
 * so a walk up from a node inside a web component passes from the shadow tree to the host without noticing: these
 * helpers find where one tree ends. A selector for a node inside a shadow root is written as its host's selector,
 * SHADOW_STEP, then the selector inside that root (Playwright's chaining, which pierces open shadow roots; the
 * click map resolves it the same way, replay-viewer/ui/deep-select.ts). An element inside an iframe's document
 * goes on from the iframe element the same way (`#statement >> #download`): the click map enters the frame's document.
 */
import type { MapNode, NodeMap } from './node-map';
import { NodeType } from '../../../recorder/rrweb-wire';

export const SHADOW_STEP = ' >> ';
/** Shadow roots nested in each other that a selector follows (a design system's button in a card in a form…). */
export const MAX_SHADOW_DEPTH = 8;

/** The host whose open shadow root holds `node` (undefined in the document's own tree). */
export function shadowHostOf(map: NodeMap, node: MapNode): MapNode | undefined {
  if (node.isShadow) return map.get(node.parent);
  for (const up of map.ancestors(node)) if (up.isShadow) return map.get(up.parent);
  return undefined;
}

/** The top-level nodes of `host`'s shadow root. */
export function shadowChildren(map: NodeMap, host: MapNode): MapNode[] {
  const out: MapNode[] = [];
  for (const id of host.children ?? []) {
    const child = map.get(id);
    if (child?.isShadow) out.push(child);
  }
  return out;
}

/**
 * The element whose inner tree holds `node`: the host of the shadow root it is in, or the iframe whose document it
 * is in; undefined in the top document's own tree.
 */
export function outerElementOf(map: NodeMap, node: MapNode): MapNode | undefined {
  if (node.isShadow) return map.get(node.parent);
  for (const up of map.ancestors(node)) {
    if (up.isShadow) return map.get(up.parent);
    if (up.type === NodeType.Document) {
      const frame = map.get(up.parent);
      return frame?.type === NodeType.Element ? frame : undefined;
    }
  }
  return undefined;
}
