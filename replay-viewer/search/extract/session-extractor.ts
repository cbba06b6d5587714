/**
 * One session's extractor, fed in the order the store's change feed delivers (events.appended → batch,
 * capture.stored → capture, websocket.stored → websocket) and asked for the session's facts at any point.
 * Holds per-page state (node maps) for the MAX_PAGES_KEPT pages seen last; a batch of a page dropped earlier
 * starts from an empty map, so its node ids stay unresolved until its next full snapshot.
 */
import type { CapturedResource, EventBatch, Session, WebSocketMessage } from '../../../store/records';
import type { Hit } from '../types';
import { MAX_PAGES_KEPT } from './limits';
import type { PageObservers } from './page-observer';
import { PageReader, type PageListener } from './page-reader';
import { requestHit } from './request-hits';
import { cut, isObject, str } from '../../../recorder/rrweb-wire';
import { ActivityMoments, sessionFacts, type SeenUrl, type SessionFacts } from './session-facts';
import { WebSocketEndpoints } from './websocket-hits';

export interface SessionExtractor {
  batch(batch: EventBatch): Hit[];
  capture(capture: CapturedResource): Hit[];
  websocket(messages: WebSocketMessage[]): Hit[];
  facts(session: Session): SessionFacts;
}

/** Page ids counted for SessionFacts.pageCount, and URLs kept for entry/exit, per session. */
const MAX_PAGE_IDS = 10_000;
const MAX_SEEN_URLS = 1_000;

export function createSessionExtractor(observers?: PageObservers): SessionExtractor {
  const pages = new Map<string, PageReader>();
  const pageIds = new Set<string>();
  const activity = new ActivityMoments();
  const urls: SeenUrl[] = [];
  const sockets = new WebSocketEndpoints();
  const listener: PageListener = {
    activity: (at) => activity.add(at),
    url: (at, url) => {
      // Keep the first ones (entry) and, once full, replace the newest (exit).
      if (urls.length < MAX_SEEN_URLS) urls.push({ at, url });
      else if (at >= urls[urls.length - 1]!.at) urls[urls.length - 1] = { at, url };
    },
  };

  const reader = (pageId: string): PageReader => {
    let page = pages.get(pageId);
    if (page) {
      pages.delete(pageId); // re-inserted: the map's order is least recently used first
    } else {
      page = new PageReader(pageId, listener, observers?.observe(pageId), observers?.extraAttributes);
      if (pages.size >= MAX_PAGES_KEPT) pages.delete(pages.keys().next().value!);
    }
    pages.set(pageId, page);
    if (pageIds.size < MAX_PAGE_IDS) pageIds.add(pageId);
    return page;
  };

  return {
    batch(batch) {
      if (!isObject(batch) || !isObject(batch.page)) return [];
      const pageId = cut(str(batch.page.id) ?? '', 200);
      return pageId ? reader(pageId).read(batch) : [];
    },
    capture(capture) {
      const hit = requestHit(capture);
      return hit ? [hit] : [];
    },
    websocket(messages) {
      return sockets.add(messages);
    },
    facts(session) {
      return sessionFacts(session, { activity, urls, pageIds: pageIds.size });
    },
  };
}
