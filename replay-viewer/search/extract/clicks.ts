/**
 * Clicks, resolved to what the customer meant to press: the nearest link, button, field, label, summary or element
 * with an interactive role (handlers attached by script cannot be seen in a recording, so tag and role decide).
 * A click on plain content counts only when that content has short text of its own (a card, a tile).
 */
import type { Hit } from '../types';
import { fieldName, labelText } from './field-names';
import { MAX_LABEL_TEXT } from './limits';
import type { MapNode, NodeMap } from './node-map';
import { textUnder } from './passages';
import { clean, NodeType } from '../../../recorder/rrweb-wire';
import { stableSelector } from './selector';
import { shadowHostOf } from './shadow-roots';

const MEANINGFUL_TAGS = new Set(['a', 'button', 'input', 'select', 'textarea', 'label', 'summary', 'option']);
const MEANINGFUL_ROLES = new Set([
  'button', 'link', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'checkbox', 'radio', 'switch', 'option',
  'treeitem',
]);
/** Levels climbed from the clicked node to a meaningful element (an icon inside a button inside a link…). */
const MAX_CLIMB = 12;
const BUTTON_INPUTS = new Set(['submit', 'button', 'reset', 'image']);

/** A link, button, field, label, summary, option or element with an interactive role. */
export function isMeaningful(node: MapNode): boolean {
  if (node.type !== NodeType.Element) return false;
  return MEANINGFUL_TAGS.has(node.tag ?? '') || MEANINGFUL_ROLES.has((node.attrs?.role ?? '').toLowerCase());
}

export function clickTarget(map: NodeMap, clicked: MapNode): MapNode | undefined {
  const start = clicked.type === NodeType.Element ? clicked : map.get(clicked.parent);
  if (!start || start.type !== NodeType.Element) return undefined;
  if (isMeaningful(start)) return start;
  let n = 0;
  for (const up of map.ancestors(start)) {
    if (isMeaningful(up)) return up;
    if (++n >= MAX_CLIMB) break;
  }
  const raw = textUnder(map, start, MAX_LABEL_TEXT + 1);
  return raw && raw.length <= MAX_LABEL_TEXT ? start : undefined;
}

/** What the target says: a button's text, a field's name (never its value), else aria-label, title, alt. */
export function clickText(map: NodeMap, target: MapNode): string {
  const a = target.attrs ?? {};
  const type = (a.type ?? '').toLowerCase();
  if (target.tag === 'input' && BUTTON_INPUTS.has(type)) return clean(a.value ?? a['aria-label'] ?? a.alt ?? a.title ?? '', MAX_LABEL_TEXT);
  if (target.tag === 'input' && (type === 'checkbox' || type === 'radio')) {
    return labelText(map, target) || clean(a['aria-label'] ?? a.value ?? '', MAX_LABEL_TEXT);
  }
  if (target.tag === 'input' || target.tag === 'select' || target.tag === 'textarea') return fieldName(map, target) ?? '';
  const text = textUnder(map, target, MAX_LABEL_TEXT);
  if (text) return text;
  for (const value of [a['aria-label'], a.title, a.alt]) if (value?.trim()) return clean(value, MAX_LABEL_TEXT);
  for (const d of map.descendants(target)) {
    const alt = d.attrs?.alt ?? d.attrs?.['aria-label'] ?? d.attrs?.title;
    if (alt?.trim()) return clean(alt, MAX_LABEL_TEXT);
  }
  // A web component's inner button shows its host's own content through a <slot> (`<sl-button>Cancel</sl-button>`).
  for (let host = shadowHostOf(map, target), n = 0; host && n < 8; host = shadowHostOf(map, host), n++) {
    const slotted = textUnder(map, host, MAX_LABEL_TEXT);
    if (slotted) return slotted;
  }
  return '';
}

export function clickHit(map: NodeMap, id: unknown, at: number, pageId: string | undefined): Hit | undefined {
  const clicked = map.get(id);
  const target = clicked && clickTarget(map, clicked);
  if (!target) return undefined;
  return { kind: 'clicked', at, ...(pageId ? { pageId } : {}), text: clickText(map, target), field: stableSelector(map, target) };
}
