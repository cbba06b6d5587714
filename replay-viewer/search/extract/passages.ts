/**
 * Text the customer saw, as readable passages: each text node belongs to its nearest block element (a paragraph, a
 * table row, a list item, a button, a label…), and a passage is the text of one block without the blocks nested in it.
 * Never text: script, style, noscript, template, the document head, titles, form values (textarea, select lists) and
 * rrweb-blocked placeholders (`rr_width`: the page asked for the element not to be recorded).
 */
import { MAX_ANCESTORS, MAX_HIT_TEXT } from './limits';
import type { MapNode, NodeMap } from './node-map';
import { clean, NodeType } from '../../../recorder/rrweb-wire';

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'button', 'caption', 'dd', 'details', 'dialog', 'div', 'dl',
  'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup',
  'html', 'label', 'legend', 'li', 'main', 'menu', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody',
  'tfoot', 'thead', 'tr', 'ul',
]);
/** Table cells are not passages of their own: a row reads as one ("12 Dec  Coffee  -3.50"), cells a space apart. */
const SEPARATOR_TAGS = new Set(['br', 'td', 'th']);

// title: the document's is its own hit, an SVG one is a tooltip.
const EXCLUDED_TAGS = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'textarea', 'select', 'datalist']);

export function isExcluded(node: MapNode): boolean {
  return node.type === NodeType.Element && (EXCLUDED_TAGS.has(node.tag ?? '') || node.attrs?.rr_width !== undefined);
}

export function isBlock(node: MapNode): boolean {
  return node.type === NodeType.Element && BLOCK_TAGS.has(node.tag ?? '') && !node.isSVG;
}

/** The block a text node's passage belongs to, or undefined when the text is not shown text. */
export function blockOf(map: NodeMap, text: MapNode): MapNode | undefined {
  if (text.type !== NodeType.Text || text.isStyle) return undefined;
  let block: MapNode | undefined;
  let n = 0;
  for (const up of map.ancestors(text)) {
    n++;
    if (isExcluded(up)) return undefined;
    if (!block && isBlock(up)) block = up;
  }
  // A chain cut at MAX_ANCESTORS may hide an excluded ancestor: better no passage than a script's text.
  return n >= MAX_ANCESTORS ? undefined : block;
}

/** The passage of one block: its text without nested blocks (each stands for a space), whitespace collapsed. */
export function passageOf(map: NodeMap, block: MapNode): string {
  const parts: string[] = [];
  let length = 0;
  const enter = (n: MapNode) => !isExcluded(n) && !isBlock(n);
  for (const node of map.descendants(block, enter)) {
    if (length > MAX_HIT_TEXT * 2) break;
    if (node.type === NodeType.Text && !node.isStyle && node.text) {
      parts.push(node.text);
      length += node.text.length;
    } else if (node.type === NodeType.Element && (SEPARATOR_TAGS.has(node.tag ?? '') || isBlock(node))) {
      parts.push(' ');
    }
  }
  return clean(parts.join(''), MAX_HIT_TEXT);
}

/** All shown text under a node (blocks included, each a space apart), for labels and click targets. */
export function textUnder(map: NodeMap, node: MapNode, max: number): string {
  const parts: string[] = [];
  let length = 0;
  for (const n of map.descendants(node, (d) => !isExcluded(d))) {
    if (length > max * 2) break;
    if (n.type === NodeType.Text && !n.isStyle && n.text) {
      parts.push(n.text);
      length += n.text.length;
    } else if (n.type === NodeType.Element && (SEPARATOR_TAGS.has(n.tag ?? '') || isBlock(n))) {
      parts.push(' ');
    }
  }
  return clean(parts.join(''), max);
}
