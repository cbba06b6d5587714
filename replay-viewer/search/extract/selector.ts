/**
 * A stable selector for a clicked element, so "clicks on the same button" group across sessions and deployments:
 * an id that does not look generated, else data-testid, name or aria-label, else a short tag:nth-of-type path
 * (at most 4 levels, starting at the nearest ancestor with a stable id when there is one).
 */
import { looksGenerated } from './field-names';
import type { MapNode, NodeMap } from './node-map';
import { NodeType } from '../../../recorder/rrweb-wire';

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
    if (s?.type !== NodeType.Element || s.tag !== node.tag) continue;
    count++;
    if (s === node) index = count;
  }
  return count > 1 && index ? `${tagOf(node)}:nth-of-type(${index})` : tagOf(node);
}

export function stableSelector(map: NodeMap, node: MapNode): string {
  const own = ownSelector(node);
  if (own) return own;
  const parts = [nthOfType(map, node)];
  for (const up of map.ancestors(node)) {
    if (up.type !== NodeType.Element || up.tag === 'html' || up.tag === 'body' || parts.length >= MAX_LEVELS) break;
    const id = idSelector(up.attrs?.id);
    if (id) {
      parts.unshift(id);
      break;
    }
    parts.unshift(nthOfType(map, up));
  }
  return parts.join(' > ');
}
