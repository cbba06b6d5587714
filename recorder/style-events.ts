/**
 * Stylesheets built by script, made to replay as the customer saw them. Two stages
 * on rrweb's event stream:
 *
 * 1. `styleTextPlugin` (an rrweb plugin, so it runs in every recording frame,
 *    cross-origin children included, before an event leaves the frame): puts the
 *    page's own text back into rules Chromium serialises as empty longhands
 *    (style-text.ts) — in `<style>` snapshots (`_cssText`) and in the rules that
 *    define an adopted constructed sheet. A `<link>` whose inlined rules are broken
 *    that way is recorded by URL instead, so the replay loads the captured file.
 *
 * 2. `createAdoptionKeeper` (top frame, between rrweb's emit and the transport):
 *    rrweb describes a constructed sheet's rules once, in the AdoptedStyleSheet event
 *    of the first shadow root that adopts it; later adopters name only its styleId.
 *    The replay builds the sheet only if that first host still exists when the event
 *    is applied: when seeking, rrweb applies adoptions after replaying the DOM, so a
 *    first adopter removed meanwhile (a list item filtered out) takes the sheet with
 *    it and every later row replays unstyled. Every description is therefore also
 *    given to the host's document, which always exists, re-stating that document's
 *    own adoptions unchanged. And a host that is moved (removed and added again,
 *    keeping its shadow root and adoptions in the page) is rebuilt by the replay
 *    with a fresh, empty shadow root, for which rrweb records nothing: its adoption
 *    is restated after the mutation that re-adds it.
 */
import { record } from '@rrweb/record';
import { EventType, NodeType, Source } from './rrweb-wire';
import { hasEmptyLonghand, originalRuleTexts, repairStyleElementText } from './style-text';


type Mirror = typeof record.mirror;
type Attributes = Record<string, unknown>;

interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Attributes;
  childNodes?: SerializedNode[];
}

interface StyleDefinition {
  styleId: number;
  rules: { rule: string; index: number | number[] }[];
}

interface Adoption {
  source: number;
  id: number;
  styleIds: number[];
  styles?: StyleDefinition[];
}

export interface RecordedLike {
  type: number;
  timestamp: number;
  data?: unknown;
}

// ---------------------------------------------------------------- stage 1: the page's text

type RecordPlugin = NonNullable<NonNullable<Parameters<typeof record>[0]>['plugins']>[number];

export function styleTextPlugin(): RecordPlugin {
  return {
    name: 'verbatim/style-text',
    options: {},
    eventProcessor: (event) => {
      try {
        repairEvent(event as RecordedLike, record.mirror);
      } catch {
        /* the event goes on as rrweb made it */
      }
      return event;
    },
  };
}

function repairEvent(event: RecordedLike, mirror: Mirror): void {
  const data = event.data as Record<string, unknown> | undefined;
  if (!data) return;
  if (event.type === EventType.FullSnapshot) {
    repairTree(data.node as SerializedNode, mirror);
  } else if (event.type === EventType.IncrementalSnapshot && data.source === Source.Mutation) {
    for (const add of (data.adds as { node: SerializedNode }[] | undefined) ?? []) repairTree(add.node, mirror);
    for (const change of (data.attributes as { id: number; attributes: Attributes }[] | undefined) ?? []) {
      repairAttributes(change.id, change.attributes, mirror);
    }
  } else if (event.type === EventType.IncrementalSnapshot && data.source === Source.AdoptedStyleSheet) {
    repairDefinitions(data as unknown as Adoption, mirror);
  }
}

function repairTree(root: SerializedNode | undefined, mirror: Mirror): void {
  const stack = root ? [root] : [];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.type === NodeType.Element && node.attributes) repairAttributes(node.id, node.attributes, mirror);
    if (node.childNodes) stack.push(...node.childNodes);
  }
}

/** `_cssText` (a `<style>`'s or an inlined `<link>`'s rules) with broken rules repaired. */
function repairAttributes(id: number, attributes: Attributes, mirror: Mirror): void {
  const css = attributes?._cssText;
  if (typeof css !== 'string' || !hasEmptyLonghand(css)) return;
  const el = mirror.getNode(id) as Element | null;
  if (el?.localName === 'style') {
    attributes._cssText = repairStyleElementText(css, el as HTMLStyleElement);
  } else if (el?.localName === 'link') {
    // The file's text is not in the page; the proxy captured it: record the link itself.
    const link = el as HTMLLinkElement;
    delete attributes._cssText;
    attributes.rel = link.getAttribute('rel') ?? 'stylesheet';
    attributes.href = link.href;
  }
}

function adoptedSheets(host: Node | null): readonly CSSStyleSheet[] | undefined {
  if (!host) return undefined;
  if (host.nodeName === '#document') return (host as Document).adoptedStyleSheets;
  return (host as Element).shadowRoot?.adoptedStyleSheets;
}

/**
 * rrweb emits this event while `host` adopts `sheets` (synchronously, from the
 * setter or just after the snapshot), so `styleIds[i]` names `sheets[i]`.
 */
function repairDefinitions(data: Adoption, mirror: Mirror): void {
  if (!data.styles?.some((s) => s.rules.some((r) => hasEmptyLonghand(r.rule)))) return;
  const host = mirror.getNode(data.id);
  const sheets = adoptedSheets(host);
  if (!host || !sheets) return;
  const win = (host.ownerDocument ?? (host as Document)).defaultView;
  for (const style of data.styles) {
    const sheet = sheets[data.styleIds.indexOf(style.styleId)];
    if (!sheet || sheet.cssRules.length !== style.rules.length) continue;
    const fixes = originalRuleTexts(sheet, win);
    for (const rule of style.rules) {
      const text = typeof rule.index === 'number' ? fixes.get(rule.index) : undefined;
      if (text !== undefined) rule.rule = text;
    }
  }
}

// ---------------------------------------------------------------- stage 2: adoptions that survive

/** Passes each event to `out`, with the events that keep adopted sheets replayable around it. */
export function createAdoptionKeeper(mirror: () => Mirror): (event: RecordedLike, out: (event: RecordedLike) => void) => void {
  /** Host (element or document) id → the style ids it adopted last. */
  const adopted = new Map<number, number[]>();
  const adoption = (timestamp: number, data: Adoption): RecordedLike =>
    ({ type: EventType.IncrementalSnapshot, timestamp, data: { ...data, source: Source.AdoptedStyleSheet } });

  return (event, out) => {
    const data = event.data as Record<string, unknown> | undefined;
    let after: RecordedLike[] = [];
    try {
      if (event.type === EventType.FullSnapshot) {
        adopted.clear();
      } else if (event.type === EventType.IncrementalSnapshot && data?.source === Source.AdoptedStyleSheet) {
        const { id, styleIds, styles } = data as unknown as Adoption;
        if (typeof id === 'number' && Array.isArray(styleIds)) {
          const host = mirror().getNode(id);
          const docId = host && host.nodeName !== '#document' && host.ownerDocument ? mirror().getId(host.ownerDocument) : -1;
          if (styles?.length && docId > 0) {
            out(adoption(event.timestamp, { source: Source.AdoptedStyleSheet, id: docId, styleIds: adopted.get(docId) ?? [], styles }));
            event = adoption(event.timestamp, { source: Source.AdoptedStyleSheet, id, styleIds });
          }
          adopted.set(id, styleIds.slice());
        }
      } else if (event.type === EventType.IncrementalSnapshot && data?.source === Source.Mutation) {
        after = ((data.adds as { node?: SerializedNode }[] | undefined) ?? [])
          .filter((add) => add.node?.type === NodeType.Element && adopted.has(add.node.id))
          .map((add) => adoption(event.timestamp, { source: Source.AdoptedStyleSheet, id: add.node!.id, styleIds: adopted.get(add.node!.id)! }));
      }
    } catch {
      after = [];
    }
    out(event);
    for (const e of after) out(e);
  };
}
