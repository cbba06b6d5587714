/**
 * Hits an extractor rewrites whole (struggle signals, whose judgement a later record can change or withdraw) replace
 * the session's stored hits of that kind when the extractor met the session at its creation; one that met it
 * part-way (a resumed follower) withdraws nothing it did not add itself and adds each judgement once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionExtractor } from '../extract/index';
import type { ExtractorFactory } from '../extractor-port';
import { parseQuery } from '../query/index';
import type { SearchIndex } from '../search-index';
import type { Hit } from '../types';
import { bench, recordJourney, type Bench } from './index-fixtures';

const T0 = Date.UTC(2026, 10, 22, 9);
const hit = (text: string, at: number, pageId?: string): Hit => ({ kind: 'struggle', at: T0 + at, text, field: '#send', ...(pageId ? { pageId } : {}) });

/**
 * Search's extractor plus a scripted judgement: after the 1st record `dead` and `rage`; after the 2nd `dead` is
 * withdrawn and `rage` learns its page; then unchanged.
 */
const scripted: ExtractorFactory = () => {
  const inner = createSessionExtractor();
  let records = 0;
  let taken = 0;
  const lists: Hit[][] = [[hit('dead', 100), hit('rage', 200)], [hit('rage', 200, 'p1')]];
  return {
    batch: (batch) => { records++; return inner.batch(batch); },
    capture: (capture) => { records++; return inner.capture(capture); },
    websocket: (messages) => inner.websocket(messages),
    facts: (session) => inner.facts(session),
    takeReplacement() {
      const due = Math.min(records, lists.length);
      if (due === taken) return undefined;
      taken = due;
      return { kind: 'struggle', hits: lists[due - 1]! };
    },
  };
};

async function struggle(index: SearchIndex, id: string): Promise<string[]> {
  return (await index.matches(id, parseQuery('struggle:dead OR struggle:rage'))).map((m) => `${m.snippet} ${m.at - T0}`).sort();
}

describe('replaced hits', () => {
  let b: Bench;
  before(async () => {
    b = await bench('replaced');
    await recordJourney(b.store, 'rep-a', T0, { seen: 'transfer page', typed: 'secret' });
  });
  after(() => b.close());

  it('a judgement withdrawn later leaves the index; a changed one is not doubled', async () => {
    const s = await b.open({ dataDir: `${b.dir}/whole`, createExtractor: scripted });
    await s.follower.catchUp();
    assert.deepEqual(await struggle(s.index, 'rep-a'), ['rage 200']);
    assert.equal((await s.index.counts()).hits > 0, true);
  });

  it('met part-way, nothing indexed before is withdrawn and each judgement is added once', async () => {
    const s = await b.open({ dataDir: `${b.dir}/partway`, createExtractor: scripted });
    // A follower killed after the session's creation; the next one meets the session part-way, as after a restart.
    const Follower = s.follower.constructor as typeof import('../follower').SearchFollower;
    const first = new Follower({ store: b.store, index: s.index, createExtractor: scripted, pageSize: 1, log: () => undefined });
    await first.catchUp(() => void first.stop());
    assert.equal(await s.index.cursor(), 1);
    const second = new Follower({ store: b.store, index: s.index, createExtractor: scripted, pageSize: 50, log: () => undefined });
    await second.catchUp();
    assert.deepEqual(await struggle(s.index, 'rep-a'), ['dead 100', 'rage 200']);
  });
});
