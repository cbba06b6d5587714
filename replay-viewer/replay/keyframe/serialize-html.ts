/**
 * A FrameTree (frame-tree.ts) as HTML for a keyframe: a static document the browser parses and paints in a frame
 * without scripts (sandbox="allow-same-origin", the viewer's CSP inherited: ui/keyframe-view.ts). The events it comes from are
 * already rewritten and neutralised (rewrite-events.ts); this writer does not trust that and keeps its own rules,
 * since here a recorded string becomes markup:
 *   - text is escaped, and the raw text of <style> cannot close its element; comments and CDATA are left out;
 *   - tag and attribute names must be plain names; no event handler, srcdoc, http-equiv or `javascript:` URL;
 *     no <script>, <base>, <meta http-equiv>, script preloads; <plaintext> is written as <pre>;
 *   - a nested frame's document becomes its srcdoc (written by the same rules), a shadow root a declarative one.
 * rrweb's own attributes are turned into what its rebuild makes of them (`_cssText`, `rr_width`, `rr_dataURL`, …),
 * and a scrolled element carries `data-verbatim-scroll="x y"`, which the viewer's page applies (ui/keyframe-view.ts).
 */
import { NodeType } from '../../../recorder/rrweb-wire';
import { isScriptUrl } from '../rewrite-events';
import type { FrameTree, TreeNode } from './frame-tree';
import { SCROLL_ATTRIBUTE } from './scroll-attribute';

/** What rrweb's Replayer puts in every replayed document, and the player's own rule (ui/replayer-options.ts). */
const REPLAY_RULES = 'noscript{display:none !important}.rr-block{background:currentColor}'
  + 'html.rrweb-paused *,html.rrweb-paused *:before,html.rrweb-paused *:after{animation-play-state:paused !important}'
  + '*{overflow-anchor:none !important}';

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'param', 'keygen']);
/** Elements whose content the HTML parser reads as raw text: nothing recorded may end them early. */
const RAW_TEXT = new Set(['style', 'xmp', 'iframe', 'noembed', 'noframes', 'script', 'noscript', 'textarea', 'title']);
const TAG = /^[a-z][a-z0-9-]*$/i;
const ATTRIBUTE = /^[a-z_:][-a-z0-9_:.]*$/i;
const DROPPED_ATTRIBUTES = new Set(['srcdoc', 'http-equiv', SCROLL_ATTRIBUTE, 'sandbox', 'autofocus']);
const MAX_DEPTH = 400;

export function serializeHtml(tree: FrameTree): string {
  const out: string[] = [];
  writeDocument(tree.root!, out);
  return out.join('');
}

function writeDocument(doc: TreeNode, out: string[]): void {
  // Always standards mode (a nested srcdoc document is never in quirks mode anyway); a recorded quirks-mode page is
  // a known difference from rrweb, which writes its doctype.
  out.push('<!DOCTYPE html>');
  for (const child of doc.children) if (child.type === NodeType.Element) writeNode(child, out, 0, false);
}

function writeNode(node: TreeNode, out: string[], depth: number, inSvg: boolean): void {
  if (depth > MAX_DEPTH) return;
  if (node.type === NodeType.Text) return void out.push(textOf(node, inSvg));
  if (node.type !== NodeType.Element) return;
  let tag = node.tag;
  if (!TAG.test(tag) || tag === 'script' || tag === 'base') return;
  const attrs = new Map(node.attrs);
  attrs.delete('srcdoc');
  if (tag === 'meta' && attrs.has('http-equiv')) return;
  const rel = (attrs.get('rel') ?? '').toLowerCase();
  if (tag === 'link' && (rel === 'modulepreload' || (rel === 'preload' && attrs.get('as') === 'script') || rel === 'prefetch')) return;
  if (tag === 'plaintext') tag = 'pre';
  const svg = inSvg || node.isSVG || tag === 'svg';
  // A stylesheet rrweb could read is recorded as its text: rebuilt as a <style> (rrweb-snapshot's getTagName).
  const cssText = attrs.get('_cssText');
  if (tag === 'link' && cssText !== undefined) tag = 'style';
  let inner: string | undefined;
  if (tag === 'style' && cssText !== undefined) inner = rawText(cssText, 'style');
  if (tag === 'textarea') inner = escapeText(attrs.get('value') ?? node.children.map((c) => c.text).join(''));
  if (tag === 'iframe') {
    const doc = node.children.find((c) => c.type === NodeType.Document);
    if (doc) {
      const nested: string[] = [];
      writeDocument(doc, nested);
      attrs.set('srcdoc', nested.join(''));
      attrs.delete('src');
    }
  }
  out.push(`<${tag}`);
  if (tag === 'html') out.push(' class="rrweb-paused', attrs.has('class') ? ` ${escapeAttribute(attrs.get('class')!)}` : '', '"');
  let style = attrs.get('style') ?? '';
  for (const [name, value] of attrs) {
    if (name === 'rr_width') style += `;width:${value}`;
    else if (name === 'rr_height') style += `;height:${value}`;
    else if (name === 'rr_dataURL' && tag === 'img') out.push(` src="${escapeAttribute(value)}"`);
  }
  for (const [name, value] of attrs) {
    if (!writable(tag, name, value, attrs)) continue;
    out.push(` ${name}="${escapeAttribute(name === 'style' ? style : value)}"`);
  }
  if (!attrs.has('style') && style) out.push(` style="${escapeAttribute(style.slice(1))}"`);
  if (tag === 'iframe') out.push(' sandbox="allow-same-origin"');
  const scroll = node.scroll;
  if (scroll && (scroll.x || scroll.y)) out.push(` ${SCROLL_ATTRIBUTE}="${scroll.x} ${scroll.y}"`);
  out.push('>');
  if (VOID.has(tag)) return;
  if (tag === 'head') out.push(`<style>${REPLAY_RULES}</style>`);
  if (inner !== undefined) out.push(inner);
  else if (tag !== 'iframe') {
    const shadow = node.children.filter((c) => c.isShadow);
    if (shadow.length) {
      out.push('<template shadowrootmode="open">');
      for (const child of shadow) writeNode(child, out, depth + 1, svg && tag !== 'foreignobject');
      out.push('</template>');
    }
    const selected = tag === 'select' ? attrs.get('value') : undefined;
    for (const child of node.children) {
      if (child.isShadow) continue;
      if (selected !== undefined && child.tag === 'option') selectOption(child, selected);
      if (RAW_TEXT.has(tag) && child.type === NodeType.Text) out.push(svg ? escapeText(child.text) : rawText(child.text, tag));
      else writeNode(child, out, depth + 1, svg && tag !== 'foreignobject');
    }
  }
  out.push(`</${tag}>`);
}

function writable(tag: string, name: string, value: string, attrs: Map<string, string>): boolean {
  const lower = name.toLowerCase();
  if (lower === 'srcdoc' && tag === 'iframe') return true;
  if (lower === 'class' && tag === 'html') return false;
  if (!ATTRIBUTE.test(name) || lower.startsWith('on') || lower.startsWith('rr_') || name === '_cssText' || DROPPED_ATTRIBUTES.has(lower)) return false;
  if (isScriptUrl(value) && /(?:href|src|action|data|srcset|poster|background|formaction|values|to|from|by)$/.test(lower)) return false;
  if (tag === 'img' && lower === 'src' && attrs.has('rr_dataURL')) return false;
  if (tag === 'textarea' && lower === 'value') return false;
  if (tag === 'select' && lower === 'value') return false;
  return true;
}

function selectOption(option: TreeNode, value: string): void {
  const own = option.attrs.get('value') ?? option.children.map((c) => c.text).join('').trim();
  if (own === value) option.attrs.set('selected', '');
  else option.attrs.delete('selected');
}

function textOf(node: TreeNode, inSvg: boolean): string {
  return inSvg || !node.isStyle ? escapeText(node.text) : rawText(node.text, 'style');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * Text inside a raw-text element: the parser ends it only at `</tag`, so that sequence must not appear. In CSS
 * `<\/style` reads as the same characters where it can (strings, comments) and as nothing valid elsewhere.
 * Other raw-text elements are escaped (the page then shows the entity, never markup).
 */
function rawText(text: string, tag: string): string {
  if (tag !== 'style') return escapeText(text);
  return text.replace(/<\/(style)/gi, '<\\/$1');
}
