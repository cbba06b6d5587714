/**
 * What a form field is called, for typed hits and clicks on fields: its name, its id (unless generated), its
 * aria-label, the text of its <label>, its placeholder; the first that says something. A field inside a web
 * component's shadow root (Shoelace's sl-input renders `<label for="input">` and `<input id="input">` in every
 * instance) is named by its root: its label there, else its host's name or id; its own id only last.
 */
import { MAX_LABEL_TEXT } from './limits';
import type { MapNode, NodeMap } from './node-map';
import { textUnder } from './passages';
import { clean } from '../../../recorder/rrweb-wire';
import { shadowChildren, shadowHostOf } from './shadow-roots';

/** Ids frameworks make up (React `:r1:`, `ember123`, hashes, uuids): useless as a name, unstable as a selector. */
export function looksGenerated(id: string): boolean {
  return id.length > 40
    || /[:«»]/.test(id)
    || /\d{4,}/.test(id)
    || /(?:^|[-_])[0-9a-f]{8,}(?:$|[-_])/i.test(id)
    || /^(ember|react|mui|radix|headlessui|rc|ng|yui|ext|gwt|j_id|__)[-_]?\d/i.test(id)
    || (id.match(/\d/g)?.length ?? 0) >= 4;
}

/** The <label> of a field: `<label for=its id>`, else a label around it. */
export function labelOf(map: NodeMap, field: MapNode): MapNode | undefined {
  const id = field.attrs?.id;
  const host = shadowHostOf(map, field);
  // Ids are per tree: the document's label index would give another instance's label.
  const byFor = id ? (host ? labelInRoot(map, host, id) : map.labelFor(id)) : undefined;
  if (byFor) return byFor;
  let n = 0;
  for (const up of map.ancestors(field)) {
    if (up.tag === 'label') return up;
    if (++n >= 8) break;
  }
  return undefined;
}

/** `<label for=id>` among the nodes of `host`'s shadow root (not of roots nested in it). */
function labelInRoot(map: NodeMap, host: MapNode, id: string): MapNode | undefined {
  for (const top of shadowChildren(map, host)) {
    if (top.tag === 'label' && top.attrs?.for === id) return top;
    for (const n of map.descendants(top, (d) => !d.isShadow)) {
      if (!n.isShadow && n.tag === 'label' && n.attrs?.for === id) return n;
    }
  }
  return undefined;
}

export function labelText(map: NodeMap, field: MapNode): string {
  const label = labelOf(map, field);
  return label ? textUnder(map, label, MAX_LABEL_TEXT) : '';
}

export function fieldName(map: NodeMap, field: MapNode): string | undefined {
  const a = field.attrs ?? {};
  const id = a.id && !looksGenerated(a.id) ? a.id : undefined;
  const host = shadowHostOf(map, field);
  const hostId = host?.attrs?.id && !looksGenerated(host.attrs.id) ? host.attrs.id : undefined;
  const candidates = host
    ? [a.name, a['aria-label'], labelText(map, field), host.attrs?.name, hostId, a.placeholder, id]
    : [a.name, id, a['aria-label'], labelText(map, field), a.placeholder];
  for (const candidate of candidates) {
    const name = candidate ? clean(candidate, MAX_LABEL_TEXT) : '';
    if (name) return name;
  }
  return undefined;
}
