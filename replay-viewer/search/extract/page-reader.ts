/**
 * One recorded page (one tab document) read event by event: its node map, the passages it already gave, its
 * current URL and title, the typing burst in progress. `read` turns one batch of that page into hits.
 */
import type { EventBatch } from '../../../store/records';
import type { Hit } from '../types';
import { clickHit } from './clicks';
import { errorHit, PAGE_HIDDEN_TAG } from './error-hits';
import { markerHit } from './marker-events';
import { HitBudget } from './hit-budget';
import { MAX_EVENTS_PER_BATCH, MAX_TITLE_TEXT } from './limits';
import { applyMutation, NodeMap, type MapNode } from './node-map';
import type { PageObserver } from './page-observer';
import { PassageMemory } from './passage-memory';
import { blockOf, passageOf, textUnder } from './passages';
import {
  ACTIVITY_SOURCES, clean, EventType, isMasked, isObject, list, MouseInteraction, NodeType, num, Source, str, type Json,
} from '../../../recorder/rrweb-wire';
import { TypingBursts } from './typed';
import { urlParts } from './url-parts';

/** What the session keeps hearing from its pages (for SessionFacts). */
export interface PageListener {
  activity(at: number): void;
  url(at: number, url: string): void;
}

/** Sequence numbers remembered per page so a batch delivered twice gives its hits once. */
const MAX_SEQS = 100_000;

export class PageReader {
  private readonly map: NodeMap;
  private readonly passages = new PassageMemory();
  private readonly bursts: TypingBursts;
  private readonly seqs = new Set<number>();
  private lastUrl: string | undefined;
  private lastTitle: string | undefined;
  private titleId = 0;
  private out = new HitBudget();

  constructor(
    private readonly pageId: string, private readonly listener: PageListener,
    private readonly observer?: PageObserver, extraAttributes?: readonly string[],
  ) {
    this.map = new NodeMap({ extraAttributes });
    this.bursts = new TypingBursts(this.map, pageId);
  }

  read(batch: EventBatch): Hit[] {
    const seq = num(batch.seq);
    if (seq !== undefined) {
      if (this.seqs.has(seq)) return [];
      if (this.seqs.size < MAX_SEQS) this.seqs.add(seq);
    }
    this.out = new HitBudget();
    this.map.resetWork();
    const observer = this.observer?.begin(batch) ? this.observer : undefined;
    const events = list(batch.events);
    const count = Math.min(events.length, MAX_EVENTS_PER_BATCH);
    const page: Json = isObject(batch.page) ? batch.page : {};
    const received = num(batch.receivedAt);
    let firstAt: number | undefined;
    for (let i = 0; i < count && firstAt === undefined; i++) firstAt = isObject(events[i]) ? num((events[i] as Json).timestamp) : undefined;
    // A page's first URL leads its hits, dated from its first event: the URL rrweb saw at the snapshot (Meta) if
    // this batch has one, else the upload's.
    if (this.lastUrl === undefined && (firstAt ?? received) !== undefined) this.url(firstMetaHref(events, count) ?? str(page.url), (firstAt ?? received)!);
    let lastAt: number | undefined;
    for (let i = 0; i < count; i++) {
      const event = events[i];
      if (!isObject(event)) continue;
      const at = num(event.timestamp);
      if (at === undefined) continue;
      lastAt = at;
      const added = this.event(event, at);
      observer?.event(event, at, this.map, added);
    }
    observer?.end();
    this.out.add(this.bursts.close());
    // batch.page holds location.href and document.title when the batch was uploaded, i.e. after its last event
    // (a single-page app's navigation shows only here; a title change also as a <title> mutation, dated exactly).
    const uploadAt = lastAt ?? received;
    if (uploadAt !== undefined) {
      this.url(str(page.url), uploadAt);
      this.title(str(page.title), uploadAt);
    }
    return this.out.hits;
  }

  /** Reads one event; returns the ids a snapshot or mutation added (or changed the text of), for the observer. */
  private event(event: Json, at: number): number[] | undefined {
    const data = isObject(event.data) ? event.data : undefined;
    switch (event.type) {
      case EventType.Meta:
        this.url(str(data?.href), at);
        return;
      case EventType.FullSnapshot: {
        this.out.add(this.bursts.close());
        this.map.clear();
        this.titleId = 0;
        const added = this.map.addTree(data?.node, 0);
        this.added(added, at);
        return added;
      }
      case EventType.IncrementalSnapshot:
        return data ? this.incremental(data, at) : undefined;
      case EventType.Custom:
        if (data?.tag === PAGE_HIDDEN_TAG) this.out.add(this.bursts.close());
        else this.out.add(errorHit(data, at, this.pageId) ?? markerHit(data, at, this.pageId));
        return;
    }
  }

  private incremental(data: Json, at: number): number[] | undefined {
    const source = data.source;
    if (typeof source === 'number' && ACTIVITY_SOURCES.has(source) && !(source === Source.Input && data.userTriggered === false)) {
      this.listener.activity(at);
    }
    if (source === Source.Mutation) return this.mutation(data, at);
    if (source === Source.Input) this.out.add(this.bursts.push(data, at));
    else if (source === Source.MouseInteraction && data.type === MouseInteraction.Click) {
      this.out.add(this.bursts.close());
      this.out.add(clickHit(this.map, data.id, at, this.pageId));
    }
  }

  private mutation(data: Json, at: number): number[] {
    const added = applyMutation(this.map, data);
    this.added(added, at);
    return added;
  }

  /** Passages of the blocks that got text, in the order first touched; the title when it changed. */
  private added(ids: number[], at: number): void {
    const blocks = new Map<number, MapNode>();
    for (const id of ids) {
      const node = this.map.get(id);
      if (!node) continue;
      if (node.type === NodeType.Element && node.tag === 'title' && !node.isSVG && !node.inFrame && !this.map.get(this.titleId)) {
        this.titleId = node.id; // the first, or one that replaced a removed one
      }
      const block = node.type === NodeType.Text ? blockOf(this.map, node) : undefined;
      if (block && !blocks.has(block.id)) blocks.set(block.id, block);
    }
    const title = this.map.get(this.titleId);
    if (title) this.title(textUnder(this.map, title, MAX_TITLE_TEXT), at);
    for (const block of blocks.values()) {
      if (this.map.exhausted) return; // a walk cut short would give a partial passage
      const text = passageOf(this.map, block);
      if (this.map.exhausted) return;
      if (!text || isMasked(text) || !this.passages.isNew(text)) continue;
      this.out.add({ kind: 'text', at, pageId: this.pageId, text });
    }
  }

  private url(raw: string | undefined, at: number): void {
    const parts = urlParts(raw);
    if (!parts || parts.display === this.lastUrl) return;
    this.lastUrl = parts.display;
    this.listener.url(at, parts.display);
    this.out.add({ kind: 'url', at, pageId: this.pageId, text: parts.display, host: parts.host, path: parts.path });
  }

  private title(raw: string | undefined, at: number): void {
    const text = raw && clean(raw, MAX_TITLE_TEXT);
    if (!text || text === this.lastTitle) return;
    this.lastTitle = text;
    this.out.add({ kind: 'title', at, pageId: this.pageId, text });
  }
}

function firstMetaHref(events: unknown[], count: number): string | undefined {
  for (let i = 0; i < count; i++) {
    const e = events[i];
    if (isObject(e) && e.type === EventType.Meta && isObject(e.data)) return str(e.data.href);
  }
  return undefined;
}
