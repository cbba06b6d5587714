/**
 * Points every resource URL inside recorded rrweb events at the archive route,
 * so that a replay loads the historic bytes and never the live site. Each URL is
 * stamped with the timestamp of the event that carries it ("as it was then").
 * Pure: returns rewritten copies and leaves the input untouched.
 *
 * Recorded markup is hostile input (anyone can upload events for their own
 * session). The replay frame runs no script at all (docs/ARCHITECTURE.md,
 * "Replay isolation"); on top of that, what could act if it ever did is
 * neutralised here: event-handler attributes (`on*`), `javascript:` URLs,
 * `http-equiv` (refresh, CSP, cookies), `<base href>`, `<iframe srcdoc>`
 * (raw HTML we would not rewrite), and script elements (kept as inert
 * `<script>` placeholders without `src`, which rrweb rebuilds as `<noscript>`).
 *
 * rrweb is not imported: the numeric event and node types below are its wire format.
 */
import type { RecordedEvent } from '../../store/records';
import { toArchiveUrl } from './archive-url';
import { rewriteCss } from './rewrite-css';
import { rewriteSrcset } from './rewrite-srcset';

const EventType = { FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4 } as const;
const Source = {
  Mutation: 0, StyleSheetRule: 8, CanvasMutation: 9, Font: 10, StyleDeclaration: 13, AdoptedStyleSheet: 15,
} as const;
const NodeType = { Element: 2, Text: 3 } as const;

/** Attributes that hold a URL a browser could navigate to or load. */
const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'lowsrc', 'ping', 'cite',
  'longdesc', 'codebase', 'archive', 'manifest', 'icon', 'srcset', 'imagesrcset',
  // SVG animation can set an href to any of these values.
  'to', 'from', 'by', 'values',
]);
/** Attributes dropped from every element: event handlers, declarative refresh/CSP/cookies, raw frame HTML. */
const DROPPED = (name: string): boolean => name.startsWith('on') || name === 'http-equiv' || name === 'srcdoc';
/** What a neutralised URL becomes: inert, and still a link for `a:link` styles. */
export const BLOCKED_URL = 'about:blank#blocked';

export interface RewriteEventsOptions {
  sessionId: string;
  /** Base for relative URLs until the first Meta event (normally the session's first page URL). */
  pageUrl?: string;
  /**
   * Told of every archive URL the replay may load (images, stylesheets, fonts, media, CSS `url()`s), not of URLs
   * it only keeps (link rel=canonical and the like, a stylesheet link whose text rrweb inlined): the fidelity report.
   * `optional`: loaded only if needed — a CSS `url()` (its rule may match nothing), a srcset candidate, a lazy image.
   */
  onResource?: (archiveUrl: string, optional: boolean) => void;
}

type Attrs = Record<string, unknown>;
interface SerializedNode {
  type: number;
  id?: number;
  tagName?: string;
  attributes?: Attrs;
  childNodes?: SerializedNode[];
  textContent?: string;
  isStyle?: boolean;
  isSVG?: boolean;
}
/** What later mutations need to know about a node seen in a snapshot. */
interface NodeInfo {
  tag?: string;
  isSVG?: boolean;
  styleText?: boolean;
  /** Absolute href of a <link>: the base for its inlined `_cssText`. */
  href?: string;
}

export function rewriteEvents<T extends RecordedEvent>(events: readonly T[], options: RewriteEventsOptions): T[] {
  const out = structuredClone(events) as T[];
  const rewriter = new EventRewriter(options);
  for (const event of out) rewriter.rewrite(event);
  return out;
}

/**
 * The same rewriting for a stream that arrives in pieces (the live view): the rewriter keeps what earlier pieces
 * taught it (the page URL, the nodes seen in snapshots) so a later mutation is rewritten as it would be in one list.
 */
export function createEventRewriter(options: RewriteEventsOptions): <T extends RecordedEvent>(events: readonly T[]) => T[] {
  const rewriter = new EventRewriter(options);
  return <T extends RecordedEvent>(events: readonly T[]): T[] => {
    const out = structuredClone(events) as T[];
    for (const event of out) rewriter.rewrite(event);
    return out;
  };
}

class EventRewriter {
  private pageUrl: string | undefined;
  private nodes = new Map<number, NodeInfo>();
  private ts = 0;

  constructor(private readonly options: RewriteEventsOptions) {
    this.pageUrl = options.pageUrl;
  }

  rewrite(event: RecordedEvent): void {
    this.ts = typeof event.timestamp === 'number' ? event.timestamp : 0;
    const data = event.data as Record<string, unknown> | undefined;
    if (!data || typeof data !== 'object') return;
    switch (event.type) {
      case EventType.Meta:
        if (typeof data.href === 'string') this.pageUrl = data.href;
        return;
      case EventType.FullSnapshot:
        this.nodes.clear(); // node ids start over with every full snapshot
        if (isObject(data.node)) this.node(data.node as unknown as SerializedNode, undefined);
        return;
      case EventType.IncrementalSnapshot:
        this.incremental(data);
        return;
    }
  }

  private incremental(data: Record<string, unknown>): void {
    switch (data.source) {
      case Source.Mutation:
        for (const add of arrayOf(data.adds)) {
          if (isObject(add.node)) this.node(add.node as unknown as SerializedNode, this.nodes.get(add.parentId as number));
        }
        for (const change of arrayOf(data.attributes)) {
          if (isObject(change.attributes)) this.attributes(change.attributes as Attrs, this.nodes.get(change.id as number) ?? {}, true);
        }
        for (const text of arrayOf(data.texts)) {
          if (typeof text.value === 'string' && this.nodes.get(text.id as number)?.styleText) text.value = this.css(text.value);
        }
        return;
      case Source.StyleSheetRule:
        for (const add of arrayOf(data.adds)) if (typeof add.rule === 'string') add.rule = this.css(add.rule);
        if (typeof data.replace === 'string') data.replace = this.css(data.replace);
        if (typeof data.replaceSync === 'string') data.replaceSync = this.css(data.replaceSync);
        return;
      case Source.StyleDeclaration:
        if (isObject(data.set) && typeof (data.set as Attrs).value === 'string') {
          (data.set as Attrs).value = this.css((data.set as Attrs).value as string);
        }
        return;
      case Source.AdoptedStyleSheet:
        for (const style of arrayOf(data.styles)) {
          for (const rule of arrayOf(style.rules)) if (typeof rule.rule === 'string') rule.rule = this.css(rule.rule);
        }
        return;
      case Source.Font:
        // A FontFace built from a URL source; buffer sources are inline bytes.
        if (!data.buffer && typeof data.fontSource === 'string') data.fontSource = this.css(data.fontSource);
        return;
      case Source.CanvasMutation:
        this.canvasArgs(data);
        return;
    }
  }

  /** Rewrites a serialized node tree in place: elements, style text, iframe documents, shadow roots. */
  private node(node: SerializedNode, parent: NodeInfo | undefined): void {
    const info: NodeInfo = {};
    if (node.type === NodeType.Element) {
      info.tag = String(node.tagName ?? '').toLowerCase();
      info.isSVG = node.isSVG === true;
      // rrweb maps exactly `script` to an inert <noscript>; `SCRIPT` or an SVG script must not slip past it.
      if (info.tag === 'script') {
        node.tagName = 'script';
        if (isObject(node.attributes)) for (const name of Object.keys(node.attributes)) if (/^(xlink:)?(src|href)$/i.test(name)) delete node.attributes[name];
      }
      if (isObject(node.attributes)) this.attributes(node.attributes, info, false);
    } else if (node.type === NodeType.Text && (node.isStyle || parent?.tag === 'style')) {
      info.styleText = true;
      if (typeof node.textContent === 'string') node.textContent = this.css(node.textContent);
    }
    if (typeof node.id === 'number') this.nodes.set(node.id, info);
    if (Array.isArray(node.childNodes)) {
      for (const child of node.childNodes) if (isObject(child)) this.node(child, info);
    }
  }

  /**
   * Rewrites an element's attributes in place. In a mutation (`isMutation`) a null
   * value removes the attribute and `style` may be an object of changed properties.
   */
  private attributes(attrs: Attrs, info: NodeInfo, isMutation: boolean): void {
    const tag = info.tag ?? '';
    const refresh = tag === 'meta' && String(attrs['http-equiv'] ?? '').trim().toLowerCase() === 'refresh';
    if (tag === 'link' && typeof attrs.href === 'string') info.href = this.resolve(attrs.href);
    // A lazy image may never have been in view; an image with a srcset loads one candidate, perhaps not its src.
    const lazy = String(attrs.loading ?? '').toLowerCase() === 'lazy' || (typeof attrs.srcset === 'string' && attrs.srcset.trim() !== '');
    const linkLoads = tag !== 'link' || (typeof attrs._cssText !== 'string' && !/\S/.test(String(attrs.rel ?? 'stylesheet').replace(/\b(stylesheet|icon|shortcut|apple-touch-icon|preload|image_src)\b/gi, '')));
    for (const [name, value] of Object.entries(attrs)) {
      const lname = name.toLowerCase();
      if (DROPPED(lname) || (tag === 'script' && /^(xlink:)?(src|href)$/.test(lname))) {
        if (isMutation) attrs[name] = null;
        else delete attrs[name];
        continue;
      }
      if (URL_ATTRIBUTES.has(lname) && typeof value === 'string' && isScriptUrl(value)) {
        attrs[name] = BLOCKED_URL;
        continue;
      }
      if (lname === 'style' && isObject(value)) {
        this.styleObject(value as Attrs);
        continue;
      }
      if (typeof value !== 'string') continue;
      switch (lname) {
        case 'src':
        case 'poster':
        case 'background':
          // rrweb rebuilds a recorded frame's document itself; the frame's src is not loaded.
          attrs[name] = this.url(value, tag === 'iframe' || tag === 'frame' ? 'never' : lazy ? 'optional' : 'required');
          break;
        case 'srcset':
        case 'imagesrcset':
          attrs[name] = rewriteSrcset(value, (u) => this.archive(u, this.pageUrl, 'optional'));
          break;
        case 'href':
          if (tag === 'base') {
            // A <base> would send every relative URL (ours included) to the live origin.
            if (isMutation) attrs[name] = null;
            else delete attrs[name];
          } else if (tag === 'link' || tag === 'image' || tag === 'use' || (info.isSVG && tag !== 'a')) {
            attrs[name] = this.url(value, linkLoads ? 'required' : 'never');
          }
          break;
        case 'xlink:href':
          if (tag !== 'a') attrs[name] = this.url(value);
          break;
        case 'data':
          if (tag === 'object') attrs[name] = this.url(value);
          break;
        case 'style':
          attrs[name] = this.css(value);
          break;
        case '_csstext':
          attrs[name] = this.css(value, info.href);
          break;
        case 'content':
          // <meta http-equiv="refresh" content="0;url=https://live.example/">
          if (refresh) {
            if (isMutation) attrs[name] = null;
            else delete attrs[name];
          }
          break;
      }
    }
  }

  /** A style-attribute diff: `{ prop: value | [value, priority] | false }`. */
  private styleObject(style: Attrs): void {
    for (const [prop, v] of Object.entries(style)) {
      if (typeof v === 'string') style[prop] = this.css(v);
      else if (Array.isArray(v) && typeof v[0] === 'string') v[0] = this.css(v[0]);
    }
  }

  /** Canvas commands may draw images by URL (`{ rr_type: 'HTMLImageElement', src }`). */
  private canvasArgs(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.canvasArgs(item);
    } else if (isObject(value)) {
      const obj = value as Attrs;
      if (obj.rr_type === 'HTMLImageElement' && typeof obj.src === 'string') obj.src = this.url(obj.src);
      for (const key of ['commands', 'args']) if (key in obj) this.canvasArgs(obj[key]);
    }
  }

  private archive(raw: string, base = this.pageUrl, loads: 'required' | 'optional' | 'never' = 'required'): string | undefined {
    const archived = toArchiveUrl(raw, base, this.options.sessionId, this.ts);
    if (archived && loads !== 'never') this.options.onResource?.(archived, loads === 'optional');
    return archived;
  }

  private url(raw: string, loads: 'required' | 'optional' | 'never' = 'required'): string {
    return this.archive(raw, this.pageUrl, loads) ?? raw;
  }

  private css(text: string, base?: string): string {
    return rewriteCss(text, (u) => this.archive(u, base ?? this.pageUrl, 'optional'));
  }

  private resolve(href: string): string | undefined {
    try {
      return new URL(href, this.pageUrl).href;
    } catch {
      return undefined;
    }
  }
}

/**
 * A URL that runs script when followed: `javascript:` or `vbscript:`, also with the
 * leading controls/spaces and embedded tabs/newlines the URL parser ignores,
 * and in a list (`values="a;javascript:…"`, srcset candidates).
 */
export function isScriptUrl(value: string): boolean {
  const squeezed = value.replace(/[\0-\x20\x7f]+/g, '').toLowerCase();
  return /(?:^|[;,])(?:java|vb)script:/.test(squeezed);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function arrayOf(v: unknown): Attrs[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}
