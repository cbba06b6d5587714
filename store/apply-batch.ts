import type { EventBatch, Session } from './records';

/** When a batch starts: its first event, or its arrival for an empty batch. */
export function firstEventAt(batch: EventBatch): number {
  return batch.events[0]?.timestamp ?? batch.receivedAt;
}

/**
 * The session after a batch is appended (pure; backends call it inside their
 * per-session serialization): endedAt grows to the newest event, eventCount adds
 * up, a new page id opens a PageView, and a given viewport replaces the old one.
 */
export function applyBatch(session: Session, batch: EventBatch): Session {
  let endedAt = session.endedAt;
  for (const event of batch.events) if (event.timestamp > endedAt) endedAt = event.timestamp;

  let pages = session.pages;
  const index = pages.findIndex((p) => p.id === batch.page.id);
  if (index === -1) {
    pages = [...pages, {
      id: batch.page.id,
      url: batch.page.url,
      startedAt: firstEventAt(batch),
      ...(batch.page.title !== undefined ? { title: batch.page.title } : {}),
      ...(batch.context !== undefined ? { context: batch.context } : {}),
    }];
  } else if (pages[index]!.context === undefined && batch.context !== undefined) {
    // The first upload of a page can arrive after a later one (retries).
    pages = pages.map((p, i) => (i === index ? { ...p, context: batch.context, ...(p.title === undefined && batch.page.title !== undefined ? { title: batch.page.title } : {}) } : p));
  } else if (pages[index]!.title === undefined && batch.page.title !== undefined) {
    // The title is often only known after the first batch left the page.
    pages = pages.map((p, i) => (i === index ? { ...p, title: batch.page.title } : p));
  }

  return {
    ...session,
    endedAt,
    eventCount: session.eventCount + batch.events.length,
    pages,
    ...(batch.viewport !== undefined ? { viewport: batch.viewport } : {}),
  };
}
