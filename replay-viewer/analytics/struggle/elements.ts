/**
 * What kind of element a click or an input landed on, read from search's node map: the kinds the struggle rules
 * treat differently (a text field is clicked to type, a stepper is clicked repeatedly on purpose, a link navigates).
 */
import { clickTarget, clickText, fieldName, isMeaningful, stableSelector, type MapNode, type NodeMap } from '../../search/extract/index';
import { MAX_LABEL } from './limits';

/** Attributes the struggle rules read beyond what search keeps. */
export const STRUGGLE_ATTRIBUTES = ['aria-invalid', 'class', 'href', 'aria-live', 'contenteditable'] as const;

export type ElementKind = 'text-field' | 'stepper' | 'choice' | 'link' | 'button' | 'select' | 'other-interactive' | 'content';

export interface ElementRef {
  /** Node id of the resolved target (the clicked node when nothing meaningful was found). */
  id: number;
  selector: string;
  label: string;
  kind: ElementKind;
  /** Node id of the enclosing <form>, 0 when none. */
  formId: number;
  /** The enclosing <form>'s stable selector, '' when none (field analytics names forms by it across sessions). */
  form: string;
  /** A button that may send the form (any but reset). */
  submits: boolean;
  /** A field whose content a customer fills (for the form signals). */
  fillable: boolean;
}

const TEXT_TYPES = new Set(['', 'text', 'email', 'password', 'search', 'tel', 'url', 'number', 'date', 'datetime-local', 'month', 'week', 'time']);
const STEPPER_TYPES = new Set(['number', 'range']);
const STEPPER_ROLES = new Set(['spinbutton', 'slider']);
/** Labels of buttons that are pressed repeatedly on purpose: steppers, carousels, zoom. */
const STEPPER_LABEL = /^\s*([+\-\u2212<>\u2039\u203a\u25b2\u25bc\u25c0\u25b6]|increase|decrease|increment|decrement|next|previous|prev|zoom in|zoom out)\s*$/i;
const STEPPER_ARIA = /\b(increase|decrease|increment|decrement|zoom)\b/i;
const BUTTON_INPUTS = new Set(['submit', 'button', 'image', 'reset']);

function formOf(map: NodeMap, node: MapNode): MapNode | undefined {
  for (const up of map.ancestors(node)) if (up.tag === 'form') return up;
  return undefined;
}

function kindOf(node: MapNode, label: string): ElementKind {
  const a = node.attrs ?? {};
  const tag = node.tag ?? '';
  const type = (a.type ?? '').toLowerCase();
  const role = (a.role ?? '').toLowerCase();
  if (STEPPER_ROLES.has(role) || (tag === 'input' && STEPPER_TYPES.has(type))) return 'stepper';
  if (tag === 'textarea' || (tag === 'input' && TEXT_TYPES.has(type)) || role === 'textbox' || role === 'searchbox' || (a.contenteditable ?? 'false') !== 'false') {
    return 'text-field';
  }
  if (tag === 'select' || role === 'listbox' || role === 'combobox') return 'select';
  if ((tag === 'input' && (type === 'checkbox' || type === 'radio')) || ['checkbox', 'radio', 'switch'].includes(role)) return 'choice';
  if (tag === 'button' || (tag === 'input' && BUTTON_INPUTS.has(type)) || role === 'button') {
    return STEPPER_LABEL.test(label) || STEPPER_ARIA.test(a['aria-label'] ?? '') ? 'stepper' : 'button';
  }
  if (tag === 'a' || role === 'link') return 'link';
  return isMeaningful(node) ? 'other-interactive' : 'content';
}

/** The element a click meant (search's clickTarget), or the clicked element itself as plain content. */
export function clickedElement(map: NodeMap, id: unknown): ElementRef | undefined {
  const clicked = map.get(id);
  if (!clicked) return undefined;
  const target = clickTarget(map, clicked) ?? (clicked.tag ? clicked : map.get(clicked.parent));
  if (!target || target.type !== 2) return undefined;
  return describe(map, target);
}

/** An input event's field. */
export function fieldElement(map: NodeMap, id: unknown): ElementRef | undefined {
  const node = map.get(id);
  return node?.type === 2 ? describe(map, node) : undefined;
}

function describe(map: NodeMap, node: MapNode): ElementRef {
  const isField = node.tag === 'input' || node.tag === 'select' || node.tag === 'textarea';
  const label = (isField ? fieldName(map, node) ?? '' : clickText(map, node)).slice(0, MAX_LABEL);
  const kind = kindOf(node, label);
  const type = (node.attrs?.type ?? '').toLowerCase();
  const formNode = formOf(map, node);
  const formId = formNode?.id ?? 0;
  const form = formNode ? stableSelector(map, formNode) : '';
  // Any button but reset: single-page forms send with type="button" and a script as often as with a submit.
  const submits = kind === 'button' && type !== 'reset';
  const fillable = (kind === 'text-field' || kind === 'select' || kind === 'choice' || kind === 'stepper') && type !== 'search'
    && type !== 'hidden' && (node.attrs?.role ?? '') !== 'searchbox' && node.tag !== 'button';
  return { id: node.id, selector: stableSelector(map, node), label, kind, formId, form, submits, fillable };
}
