/**
 * Page loads of a session from its event batches: each page id's first URL and first moment, read as search's
 * extractor reads them (page-reader.ts: the first Meta event's href, else the upload's URL; dated from the first
 * event), so the session API, the export and the versions index give a page the same version.
 */
import type { EventBatch } from '../../../store/records';
import { urlParts } from '../../search/extract/index';

const META = 4;
const MAX_PAGES = 500;

export interface PageLoad { pageId: string; url: string; host: string; at: number }

export class PageLoads {
  private readonly byId = new Map<string, PageLoad>();

  /** The page load this batch starts, or undefined (a later batch of a known page, or nothing usable). */
  batch(batch: EventBatch): PageLoad | undefined {
    const pageId = typeof batch?.page?.id === 'string' ? batch.page.id : undefined;
    if (!pageId || this.byId.has(pageId) || this.byId.size >= MAX_PAGES) return undefined;
    const events = Array.isArray(batch.events) ? batch.events : [];
    const first = events.find((e) => typeof e?.timestamp === 'number');
    const at = typeof first?.timestamp === 'number' ? first.timestamp : typeof batch.receivedAt === 'number' ? batch.receivedAt : undefined;
    const meta = events.find((e) => e?.type === META && typeof (e.data as { href?: unknown } | undefined)?.href === 'string');
    const parts = urlParts((meta?.data as { href?: string } | undefined)?.href ?? batch.page.url);
    if (at === undefined || !parts) return undefined;
    const load = { pageId, url: parts.display, host: parts.host, at };
    this.byId.set(pageId, load);
    return load;
  }

  all(): PageLoad[] {
    return [...this.byId.values()].sort((a, b) => a.at - b.at);
  }
}
