/** The dwell job's judgement as hits (derived/dwell-hits.ts): exact hits, per-session cap, nothing under 20 views. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDwellHits, MAX_DWELL_HITS_PER_SESSION } from '../derived/dwell-hits';
import type { Hit } from '../types';

const T0 = Date.UTC(2026, 11, 6, 9);

describe('dwell hits', () => {
  it('one hit per outlier view, at its moment and page, capped per session', () => {
    // 1,240 views of 1,000…2,239 ms by other sessions, 60 ten-minute views by "a": p95 (rank 1,235 of 1,300) is 2,234.
    const views = [
      ...Array.from({ length: 1_240 }, (_, i) => ({ sessionId: `o${i}`, pageId: 'p1', at: T0 + i, ms: 1_000 + i })),
      ...Array.from({ length: 60 }, (_, i) => ({ sessionId: 'a', pageId: `p${i}`, at: T0 + 10_000 + i, ms: 600_000 })),
    ];
    const out = new Map<string, Hit[]>();
    addDwellHits(views, out);
    assert.equal(out.get('a')?.length, MAX_DWELL_HITS_PER_SESSION);
    assert.deepEqual(out.get('a')?.[0], { kind: 'struggle', at: T0 + 10_000, text: 'dwell-long', pageId: 'p0' });
    // Past the cutoff (2,234 ms): the five longest others; the cutoff itself is not an outlier. Below p5 (rank 65, 1,064 ms): 64.
    assert.deepEqual([...out.keys()].filter((k) => k !== 'a' && out.get(k)![0]!.text === 'dwell-long').sort(), ['o1235', 'o1236', 'o1237', 'o1238', 'o1239']);
    assert.equal([...out.values()].flat().filter((h) => h.text === 'dwell-short').length, 64);
  });

  it('nothing under 20 views, however far apart', () => {
    const out = new Map<string, Hit[]>();
    addDwellHits(Array.from({ length: 19 }, (_, i) => ({ sessionId: `s${i}`, pageId: 'p', at: T0, ms: i ? 5_000 : 3_600_000 })), out);
    assert.equal(out.size, 0);
  });
});
