/**
 * Foreign content as search hits (`foreign:any`, `foreign:extension-resource`; docs/FOREIGN-CONTENT.md): the rule
 * the change feed alone can judge, an element loading or naming a browser extension's file, found in each batch as
 * it is indexed. The rules that compare the page with captured bodies need the whole session: the trust job
 * (derived/trust-job.ts) runs the detector once the session is quiet and replaces these hits with all of its flags. Each hit: the reason (and `any`) as its text, the element's tag and the extension URL's
 * scheme and id as its field, at the event's moment, on its page.
 */
import { extensionSources } from '../replay/foreign-content/index';
import type { ExtractorFactory } from './extractor-port';
import type { Hit } from './types';

/** Extension sources remembered per session so a page's repeated full snapshot does not add them again. */
const MAX_SEEN = 2_000;

export function withForeignHits(createExtractor: ExtractorFactory): ExtractorFactory {
  return () => {
    const inner = createExtractor();
    const seen = new Set<string>();
    return {
      capture: (capture) => inner.capture(capture),
      websocket: (messages) => inner.websocket(messages),
      facts: (session) => inner.facts(session),
      ...(inner.drainAnalytics ? { drainAnalytics: () => inner.drainAnalytics!() } : {}),
      ...(inner.takeReplacement ? { takeReplacement: () => inner.takeReplacement!() } : {}),
      batch(batch) {
        const hits = inner.batch(batch);
        const pageId = typeof batch?.page?.id === 'string' ? batch.page.id.slice(0, 200) : undefined;
        for (const s of extensionSources(batch)) {
          const origin = /^[a-z-]+:\/\/[^/]*/i.exec(s.url)?.[0] ?? s.url;
          const key = `${pageId}\n${s.tag}\n${s.url}`;
          if (seen.has(key) || seen.size >= MAX_SEEN) continue;
          seen.add(key);
          const hit: Hit = { kind: 'foreign', at: s.at, text: 'extension-resource any', field: `${s.tag || 'element'} ${origin}`.slice(0, 200), ...(pageId ? { pageId } : {}) };
          hits.push(hit);
        }
        return hits;
      },
    };
  };
}
