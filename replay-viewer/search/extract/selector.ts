/**
 * A stable selector for a clicked element, so "clicks on the same button" group across sessions and deployments:
 * an id that does not look generated, else data-testid, name or aria-label, else a short tag:nth-of-type path
 * (at most 4 levels, starting at the nearest ancestor with a stable id when there is one). Inside an open shadow
 * root the path stops at the root and goes on from its host: `#payee >> #input` (shadow-roots.ts), since ids
 * inside a web component repeat in every instance of it and `>` cannot cross into a shadow root; inside an iframe's
 * document, from the iframe the same way.
 */
import { looksGenerated } from './field-names';
import type { MapNode, NodeMap } from './node-map';
import { NodeType } from '../../../recorder/rrweb-wire';
import { MAX_SHADOW_DEPTH, outerElementOf, SHADOW_STEP } from './shadow-roots';

const MAX_LEVELS = 4;
const MAX_VALUE = 100;

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&').replace(/[\n\r\f]/g, ' ')}"`;
}

function idSelector(id: string | undefined): string | undefined {
  if (!id || looksGenerated(id)) return undefined;
  return /^[A-Za-z][\w-]*$/.test(id) ? `#${id}` : `[id=${quoted(id)}]`;
}

function tagOf(node: MapNode): string {
  return /^[a-z][a-z0-9-]*$/.test(node.tag ?? '') ? node.tag! : '*';
}

/** The element's own stable handle, if it has one. */
function ownSelector(node: MapNode): string | undefined {
  const a = node.attrs ?? {};
  const id = idSelector(a.id);
  if (id) return id;
  for (const name of ['data-testid', 'name', 'aria-label'] as const) {
    const value = a[name];
    if (value && value.length <= MAX_VALUE) return `${name === 'data-testid' ? '' : tagOf(node)}[${name}=${quoted(value)}]`;
  }
  return undefined;
}

function nthOfType(map: NodeMap, node: MapNode): string {
  const siblings = map.get(node.parent)?.children ?? [];
  let index = 0;
  let count = 0;
  for (const id of siblings) {
    const s = map.get(id);
    // A host's light children and its shadow root's children are listed together: count the node's own tree only.
    if (s?.type !== NodeType.Element || s.tag !== node.tag || !s.isShadow !== !node.isShadow) continue;
    count++;
    if (s === node) index = count;
  }
  return count > 1 && index ? `${tagOf(node)}:nth-of-type(${index})` : tagOf(node);
}

/** The selector of `node` inside its own tree (the document's, or the shadow root holding it). */
function selectorInTree(map: NodeMap, node: MapNode): string {
  const own = ownSelector(node);
  if (own) return own;
  const parts = [nthOfType(map, node)];
  let last = node;
  for (const up of map.ancestors(node)) {
    // `last` was a top-level node of a shadow root: `up` is its host, in another tree.
    if (last.isShadow || up.type !== NodeType.Element || up.tag === 'html' || up.tag === 'body' || parts.length >= MAX_LEVELS) break;
    const id = idSelector(up.attrs?.id);
    if (id) {
      parts.unshift(id);
      break;
    }
    parts.unshift(nthOfType(map, up));
    last = up;
  }
  return parts.join(' > ');
}

export function stableSelector(map: NodeMap, node: MapNode): string {
  let selector = selectorInTree(map, node);
  let outer = outerElementOf(map, node);
  for (let depth = 0; outer?.type === NodeType.Element && depth < MAX_SHADOW_DEPTH; depth++) {
    selector = `${selectorInTree(map, outer)}${SHADOW_STEP}${selector}`;
    outer = outerElementOf(map, outer);
  }
  return selector;
}
