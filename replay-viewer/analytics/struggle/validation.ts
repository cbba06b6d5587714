/**
 * Does a mutation show a validation error? Markers, in order: a field given aria-invalid="true"; text appearing in
 * an element with role="alert" or aria-live="assertive"; text appearing in an element whose class or id names an
 * error ("error", "invalid", "has-error", "field-error"…). CSS :invalid is not in the DOM and cannot be seen in a
 * recording. The message text itself is never kept (it may repeat what the customer typed).
 */
import type { NodeMap } from '../../search/extract/index';
import { isObject, list, nodeId, type Json } from '../../../recorder/rrweb-wire';
import { fieldElement, type ElementRef } from './elements';

const ERROR_NAME = /(^|[\s_-])(error|errors|invalid|is-invalid|has-error)([\s_-]|$)/i;
/** Ancestors climbed from added text to find the element that marks it. */
const MAX_CLIMB = 4;

export interface ValidationMarker {
  kind: 'aria-invalid' | 'alert' | 'error-text';
  ref: ElementRef;
}

export function validationMarker(map: NodeMap, data: Json, added: number[]): ValidationMarker | undefined {
  for (const a of list(data.attributes)) {
    if (!isObject(a) || !isObject(a.attributes)) continue;
    const v = (a.attributes as Json)['aria-invalid'];
    if (v === 'true' || v === true) {
      const ref = fieldElement(map, nodeId(a.id));
      if (ref) return { kind: 'aria-invalid', ref };
    }
  }
  for (const id of added.slice(0, 1_000)) {
    const node = map.get(id);
    if (!node) continue;
    if (node.attrs?.['aria-invalid'] === 'true') {
      const ref = fieldElement(map, node.id);
      if (ref) return { kind: 'aria-invalid', ref };
    }
    // Only text that appeared (an empty error box is no message yet).
    if (node.type !== 3 || !(node.text ?? '').trim()) continue;
    let n = 0;
    let el = map.get(node.parent);
    while (el && el.type === 2 && n++ < MAX_CLIMB) {
      const a = el.attrs ?? {};
      const role = (a.role ?? '').toLowerCase();
      if (role === 'alert' || (a['aria-live'] ?? '').toLowerCase() === 'assertive') return { kind: 'alert', ref: { ...fieldElement(map, el.id)!, label: '' } };
      if (ERROR_NAME.test(a.class ?? '') || ERROR_NAME.test(a.id ?? '')) return { kind: 'error-text', ref: { ...fieldElement(map, el.id)!, label: '' } };
      el = map.get(el.parent);
    }
  }
  return undefined;
}
