/**
 * What a form field is called, for typed hits and clicks on fields: its name, its id (unless generated), its
 * aria-label, the text of its <label>, its placeholder; the first that says something.
 */
import { MAX_LABEL_TEXT } from './limits';
import type { MapNode, NodeMap } from './node-map';
import { textUnder } from './passages';
import { clean } from '../../../recorder/rrweb-wire';

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
  const byFor = id ? map.labelFor(id) : undefined;
  if (byFor) return byFor;
  let n = 0;
  for (const up of map.ancestors(field)) {
    if (up.tag === 'label') return up;
    if (++n >= 8) break;
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
  for (const candidate of [a.name, id, a['aria-label'], labelText(map, field), a.placeholder]) {
    const name = candidate ? clean(candidate, MAX_LABEL_TEXT) : '';
    if (name) return name;
  }
  return undefined;
}
