/**
 * A second reader of a session's pages riding on the extractor's walk (struggle analytics): it sees each event
 * right after the extractor applied it to the page's node map, so it reads the page as it was at that event without
 * keeping and walking a node map of its own.
 */
import type { EventBatch } from '../../../store/records';
import type { NodeMap } from './node-map';
import type { Json } from '../../../recorder/rrweb-wire';

export interface PageObserver {
  /** A batch the extractor reads (not a repeat); false: skip its events. */
  begin(batch: EventBatch): boolean;
  /** One event with a timestamp, after the map took it; `added`: ids a snapshot or mutation added or re-texted. */
  event(event: Json, at: number, map: NodeMap, added: number[] | undefined): void;
  /** The batch's events are done. */
  end(): void;
}

export interface PageObservers {
  /** The observer of a page, asked when the extractor starts reading it (again, after it dropped the page). */
  observe(pageId: string): PageObserver | undefined;
  /** Attributes the observer reads beyond what search keeps in the map. */
  extraAttributes?: readonly string[];
}
