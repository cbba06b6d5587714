/**
 * The one foreign-content rule that needs no captured body (`extension-resource`), over a single batch of events:
 * what the search extractor can judge from the change feed alone (search/foreign-hits.ts). The same test as the
 * detector's (source-rules.ts), so search and the API agree on it.
 */
import type { EventBatch } from '../../../store/records';
import { asList, isObject } from './dom-mirror';
import { extensionUrlIn } from './source-rules';
import { EventType, Source } from '../../../recorder/rrweb-wire';

export interface ExtensionSource { at: number; nodeId: number; tag: string; url: string }

const MAX_DEPTH = 400;

export function extensionSources(batch: EventBatch): ExtensionSource[] {
  const out: ExtensionSource[] = [];
  for (const event of asList(batch.events)) {
    if (!isObject(event) || !isObject(event.data)) continue;
    const at = typeof event.timestamp === 'number' ? event.timestamp : 0;
    const data = event.data;
    if (event.type === EventType.FullSnapshot) walk(data.node, at, out, 0);
    if (event.type === EventType.IncrementalSnapshot && data.source === Source.Mutation) {
      for (const add of asList(data.adds)) if (isObject(add)) walk(add.node, at, out, 0);
      for (const change of asList(data.attributes)) {
        if (!isObject(change) || typeof change.id !== 'number' || !isObject(change.attributes)) continue;
        const url = extensionUrlIn(change.attributes);
        if (url) out.push({ at, nodeId: change.id, tag: '', url });
      }
    }
  }
  return out;
}

function walk(node: unknown, at: number, out: ExtensionSource[], depth: number): void {
  if (!isObject(node) || depth > MAX_DEPTH) return;
  if (typeof node.id === 'number' && isObject(node.attributes)) {
    const url = extensionUrlIn(node.attributes);
    if (url) out.push({ at, nodeId: node.id, tag: typeof node.tagName === 'string' ? node.tagName.toLowerCase() : '', url });
  }
  for (const child of asList(node.childNodes)) walk(child, at, out, depth + 1);
}
