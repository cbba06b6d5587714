/**
 * The foreign-content detector: pure, over one session's recorded events and what its captures hold (evidence
 * corpus, site origins, captured URLs). Replays each page's DOM in a mirror (dom-mirror.ts) and judges what appears:
 * the full snapshot's tree, every subtree a mutation adds, every text a mutation changes, every URL an attribute
 * change sets. Rules and their limits: docs/FOREIGN-CONTENT.md.
 */
import type { EventBatch } from '../../../store/records';
import { asList, DomMirror, HIDDEN_TEXT, isObject, NodeType, type MirrorNode } from './dom-mirror';
import type { EvidenceCorpus } from './evidence-corpus';
import { executableResource, extensionUrl, formTarget, originOf, overlayStyle } from './source-rules';
import { FOREIGN_REASONS, type ForeignContentReport, type ForeignFlag, type ForeignReason } from './types';
import { Source } from '../../../recorder/rrweb-wire';

export interface SiteEvidence {
  corpus: EvidenceCorpus;
  /** Origins that are the site's: page origins and those the site's own bodies name. */
  siteOrigins: ReadonlySet<string>;
  /** A capture (any session) holds this http(s) URL. */
  captured(url: string): boolean;
  /** The proxy captured this page's document (URL without fragment): there is something to compare with. */
  documentSeen(pageUrl: string): boolean;
}

const EventType = { FullSnapshot: 2, IncrementalSnapshot: 3 } as const;
const MAX_FLAGS = 2_000;
const MAX_SOURCE_CHARS = 160;
/** Attributes whose value is shown to the user as text. */
const SHOWN_ATTRIBUTES = ['placeholder', 'aria-label', 'title', 'alt', 'label'] as const;
const BUTTON_INPUTS = new Set(['submit', 'button', 'reset']);

/** Every script, frame and stylesheet URL the recording names, so the loader can look their captures up. */
export function resourceUrls(batches: readonly EventBatch[]): Set<string> {
  const out = new Set<string>();
  for (const page of pagesOf(batches)) {
    const mirror = new DomMirror();
    for (const event of page.events) {
      for (const id of applyEvent(mirror, event).touched) {
        const node = mirror.nodes.get(id);
        const url = node && executableResource(node, page.url);
        if (url) out.add(url);
      }
    }
  }
  return out;
}

export function detectForeignContent(batches: readonly EventBatch[], evidence: SiteEvidence): ForeignContentReport {
  const flags: ForeignFlag[] = [];
  let pagesChecked = 0;
  let pagesUnchecked = 0;
  let capped = false;
  for (const page of pagesOf(batches)) {
    const checked = evidence.documentSeen(stripHash(page.url));
    if (checked) pagesChecked++;
    else pagesUnchecked++;
    const judge = new PageJudge(page.id, page.url, checked, evidence, (f) => {
      if (flags.length < MAX_FLAGS) flags.push(f);
      else capped = true;
    });
    for (const event of page.events) judge.event(event);
  }
  flags.sort((a, b) => a.at - b.at || a.nodeId - b.nodeId);
  const counts = Object.fromEntries(FOREIGN_REASONS.map((r) => [r, 0])) as Record<ForeignReason, number>;
  for (const f of flags) counts[f.reason]++;
  return {
    flags, counts, pagesChecked, pagesUnchecked, evidenceBytes: evidence.corpus.bytes,
    ...(capped || evidence.corpus.capped ? { capped: true } : {}),
  };
}

interface PageEvents { id: string; url: string; events: { timestamp: number; type: number; data?: unknown }[] }

function pagesOf(batches: readonly EventBatch[]): PageEvents[] {
  const pages = new Map<string, { url: string; batches: EventBatch[] }>();
  for (const b of batches) {
    if (!b?.page || typeof b.page.id !== 'string') continue;
    const p = pages.get(b.page.id) ?? { url: b.page.url, batches: [] };
    p.batches.push(b);
    pages.set(b.page.id, p);
  }
  return [...pages].map(([id, p]) => ({
    id,
    url: p.url,
    events: p.batches.sort((a, b) => a.seq - b.seq).flatMap((b) => asList(b.events).filter(isObject)) as PageEvents['events'],
  }));
}

interface Applied {
  /** Ids that appeared or whose attributes changed. */
  touched: number[];
  /** Roots of the subtrees added by this event (the whole document for a full snapshot). */
  roots: number[];
  /** Text nodes whose text changed, with the old text. */
  texts: { id: number; old: string }[];
}

/** Applies one rrweb event to the mirror in the replayer's order: removes, adds, texts, attributes. */
function applyEvent(mirror: DomMirror, event: { type: number; data?: unknown }): Applied {
  const out: Applied = { touched: [], roots: [], texts: [] };
  const data = event.data;
  if (!isObject(data)) return out;
  if (event.type === EventType.FullSnapshot) {
    mirror.reset();
    out.touched = mirror.add(data.node, undefined);
    if (out.touched.length) out.roots.push(out.touched[0]!);
    return out;
  }
  if (event.type !== EventType.IncrementalSnapshot || data.source !== Source.Mutation) return out;
  for (const r of asList(data.removes)) if (isObject(r) && typeof r.id === 'number') mirror.remove(r.id);
  const added = new Set<number>();
  for (const a of asList(data.adds)) {
    if (!isObject(a) || !isObject(a.node) || typeof a.parentId !== 'number') continue;
    const ids = mirror.add(a.node, a.parentId);
    for (const id of ids) added.add(id);
    out.touched.push(...ids);
    if (ids.length) out.roots.push(ids[0]!);
  }
  // A node added under another node added in the same event is part of that subtree, not a root.
  out.roots = out.roots.filter((id) => {
    const parent = mirror.nodes.get(id)?.parent;
    return mirror.nodes.has(id) && (parent === undefined || !added.has(parent));
  });
  for (const t of asList(data.texts)) {
    if (!isObject(t) || typeof t.id !== 'number' || typeof t.value !== 'string') continue;
    const node = mirror.nodes.get(t.id);
    if (!node || added.has(t.id)) continue;
    out.texts.push({ id: t.id, old: node.text });
    node.text = t.value;
  }
  for (const a of asList(data.attributes)) {
    if (!isObject(a) || typeof a.id !== 'number') continue;
    mirror.setAttributes(a.id, a.attributes);
    out.touched.push(a.id);
  }
  return out;
}

interface Verdict { explained: boolean; unexplained: boolean }

class PageJudge {
  private readonly mirror = new DomMirror();
  /** reason, path and text of flags already raised on this page: a later full snapshot repeats the page. */
  private readonly raised = new Set<string>();
  /** Nodes flagged so far (their subtrees are not flagged again). */
  private readonly flagged = new Set<number>();

  constructor(
    private readonly pageId: string,
    private readonly pageUrl: string,
    private readonly checked: boolean,
    private readonly evidence: SiteEvidence,
    private readonly emit: (f: ForeignFlag) => void,
  ) {}

  event(event: { timestamp: number; type: number; data?: unknown }): void {
    const at = typeof event.timestamp === 'number' ? event.timestamp : 0;
    if (event.type === EventType.FullSnapshot) this.flagged.clear();
    const applied = applyEvent(this.mirror, event);
    // Source rules: every element that appeared or changed a URL.
    for (const id of new Set(applied.touched)) {
      const node = this.mirror.nodes.get(id);
      if (node?.type === NodeType.Element) this.sourceRules(node, at);
    }
    if (!this.checked) return;
    for (const root of applied.roots) this.contentRules(root, at);
    for (const { id, old } of applied.texts) this.replacedText(id, old, at);
  }

  private sourceRules(node: MirrorNode, at: number): void {
    const ext = extensionUrl(node);
    if (ext) {
      this.flag('extension-resource', node, at, ext);
      return;
    }
    if (!this.checked) return;
    const resource = executableResource(node, this.pageUrl);
    if (resource) {
      const origin = originOf(resource);
      if (!this.evidence.captured(resource)) this.flag('foreign-resource', node, at, `never passed the proxy: ${resource}`);
      else if (origin && !this.evidence.siteOrigins.has(origin)) this.flag('foreign-resource', node, at, `origin the site never names: ${resource}`);
    }
    const target = formTarget(node, this.pageUrl);
    const targetOrigin = target && originOf(target);
    if (targetOrigin && !this.evidence.siteOrigins.has(targetOrigin)) this.flag('foreign-form-action', node, at, `sends to ${targetOrigin}`);
  }

  /**
   * Judges a subtree's text: each element gets whether anything under it is explained or unexplained; a maximal
   * element with only unexplained content is flagged once (an injected form is one flag, not one per label).
   */
  private contentRules(root: number, at: number): void {
    const verdicts = new Map<number, Verdict>();
    this.judge(root, verdicts, 0);
    const rootNode = this.mirror.nodes.get(root);
    if (!rootNode) return;
    // A text node added to an element already there (code set its text): judged as that element's.
    const start = rootNode.type === NodeType.Text ? this.mirror.element(root) : rootNode;
    if (!start) return;
    if (rootNode.type === NodeType.Text) {
      if (verdicts.get(root)?.unexplained && !this.underFlag(start.id)) this.contentFlag(start, at, [rootNode]);
      return;
    }
    this.anchors(start.id, verdicts, at, 0);
    this.emptyOverlays(start.id, verdicts, at, 0);
  }

  /**
   * An overlay with nothing to read that nothing of the site's names (its id, a class, or its style text as the
   * site's HTML or code wrote it): a click-catching layer over the page.
   */
  private emptyOverlays(id: number, verdicts: Map<number, Verdict>, at: number, depth: number): void {
    const node = this.mirror.nodes.get(id);
    if (!node || depth > 400 || HIDDEN_TEXT.has(node.tag) || this.flagged.has(id)) return;
    if (node.type === NodeType.Element && overlayStyle(node)) {
      const v = verdicts.get(id);
      const names = [node.attrs.id ?? '', ...(node.attrs.class ?? '').split(/\s+/), node.attrs.style ?? ''].filter(Boolean);
      if (v && !v.explained && !v.unexplained && !names.some((n) => this.evidence.corpus.mentions(n)) && !this.underFlag(id)) {
        this.flag('foreign-overlay', node, at, 'an empty overlay nothing the site sent names');
      }
      return;
    }
    for (const c of node.children) this.emptyOverlays(c, verdicts, at, depth + 1);
  }

  private judge(id: number, verdicts: Map<number, Verdict>, depth: number): Verdict {
    const node = this.mirror.nodes.get(id);
    const v: Verdict = { explained: false, unexplained: false };
    if (!node || depth > 400) return v;
    if (node.type === NodeType.Text) {
      if (!node.isStyle && node.text.trim()) this.weigh(node.text, v);
    } else if (node.type === NodeType.Element || node.type === NodeType.Document) {
      if (node.type === NodeType.Element) {
        for (const name of SHOWN_ATTRIBUTES) if (node.attrs[name]) this.weigh(node.attrs[name]!, v);
        if (node.tag === 'input' && BUTTON_INPUTS.has((node.attrs.type ?? '').toLowerCase()) && node.attrs.value) this.weigh(node.attrs.value, v);
      }
      if (!HIDDEN_TEXT.has(node.tag)) {
        for (const c of node.children) {
          const cv = this.judge(c, verdicts, depth + 1);
          v.explained ||= cv.explained;
          v.unexplained ||= cv.unexplained;
        }
      }
    }
    verdicts.set(id, v);
    return v;
  }

  private weigh(text: string, v: Verdict): void {
    if (!/\p{L}{3}/u.test(text)) return;
    if (this.evidence.corpus.explains(text)) v.explained = true;
    else v.unexplained = true;
  }

  private anchors(id: number, verdicts: Map<number, Verdict>, at: number, depth: number): void {
    const node = this.mirror.nodes.get(id);
    const v = verdicts.get(id);
    if (!node || !v?.unexplained || depth > 400 || this.flagged.has(id)) return;
    if (!v.explained && node.type === NodeType.Element && node.tag !== 'body' && node.tag !== 'html') {
      if (!this.underFlag(id)) this.contentFlag(node, at, []);
      return;
    }
    // Mixed: unexplained text directly inside is this element's; elements inside are judged on their own.
    const texts = node.children.map((c) => this.mirror.nodes.get(c)).filter((c): c is MirrorNode => c?.type === NodeType.Text && !!verdicts.get(c.id)?.unexplained);
    if (texts.length && node.type === NodeType.Element && !this.underFlag(id)) this.contentFlag(node, at, texts);
    for (const c of node.children) this.anchors(c, verdicts, at, depth + 1);
  }

  private replacedText(id: number, old: string, at: number): void {
    const node = this.mirror.nodes.get(id);
    const el = this.mirror.element(id);
    if (!node || !el || node.isStyle || node.text === old || this.mirror.ancestors(id).some((a) => HIDDEN_TEXT.has(a.tag))) return;
    if (this.evidence.corpus.explains(node.text) || this.underFlag(el.id)) return;
    this.flag('text-replaced', el, at, ...this.unexplainedSource([node.text]));
  }

  private contentFlag(el: MirrorNode, at: number, texts: MirrorNode[]): void {
    const shown = texts.length ? texts.map((t) => t.text) : this.shownTexts(el.id);
    const overlay = this.mirror.ancestors(el.id).some((a) => a.type === NodeType.Element && overlayStyle(a));
    this.flag(overlay ? 'foreign-overlay' : 'unexplained-content', el, at, ...this.unexplainedSource(shown));
  }

  private shownTexts(id: number, out: string[] = [], depth = 0): string[] {
    const node = this.mirror.nodes.get(id);
    if (!node || out.length >= 20 || depth > 400 || HIDDEN_TEXT.has(node.tag)) return out;
    if (node.type === NodeType.Text) out.push(node.text);
    if (node.type === NodeType.Element) for (const name of SHOWN_ATTRIBUTES) if (node.attrs[name]) out.push(node.attrs[name]!);
    for (const c of node.children) this.shownTexts(c, out, depth + 1);
    return out;
  }

  private unexplainedSource(texts: string[]): [string, string[]] {
    const phrases = [...new Set(texts.flatMap((t) => this.evidence.corpus.unexplained(t)))].slice(0, 20);
    const text = `no captured response holds: ${phrases.map((p) => `"${p}"`).join(', ')}`;
    return [text.length > MAX_SOURCE_CHARS ? `${text.slice(0, MAX_SOURCE_CHARS - 1)}…` : text, phrases.map((p) => p.slice(0, 80))];
  }

  private underFlag(id: number): boolean {
    return this.mirror.ancestors(id).some((a) => this.flagged.has(a.id));
  }

  private flag(reason: ForeignReason, node: MirrorNode, at: number, source: string, words?: string[]): void {
    const path = this.mirror.cssPath(node.id);
    const text = this.mirror.textOf(node.id);
    const key = `${reason}\n${path}\n${text}\n${source}`;
    this.flagged.add(node.id);
    if (this.raised.has(key)) return;
    this.raised.add(key);
    this.emit({ reason, at, pageId: this.pageId, pageUrl: this.pageUrl, nodeId: node.id, path, text, source, ...(words?.length ? { words } : {}) });
  }
}

export function stripHash(url: string): string {
  const i = url.indexOf('#');
  return i >= 0 ? url.slice(0, i) : url;
}
