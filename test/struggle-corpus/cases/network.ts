/** Cases for failed and slow requests, and their look-alikes (a slow request under the threshold, a 404 image). */
import type { CorpusCase } from '../case';
import { sleep } from '../harness';

export const networkCases: CorpusCase[] = [
  {
    id: 'failed-404-fetch', about: ['failed', 'error'], note: "a button whose fetch answers 404 (the page's own call failed)",
    expect: [{ signal: 'failed' }, { signal: 'error', selector: '#missing' }],
    run: async (j) => { await j.open('/'); await j.click('#missing'); await sleep(1_600); },
  },
  {
    id: 'failed-network', about: ['failed', 'error'], note: 'a button whose POST loses its connection',
    expect: [{ signal: 'failed' }, { signal: 'error', selector: '#reset' }],
    run: async (j) => { await j.open('/'); await j.click('#reset'); await sleep(1_600); },
  },
  {
    id: 'failed-500-twice', about: ['failed', 'error', 'rage'], note: 'the failing balance button tried twice, 2 s apart',
    expect: [{ signal: 'failed' }, { signal: 'error', selector: '#fail' }],
    run: async (j) => { await j.open('/'); await j.click('#fail'); await sleep(2_000); await j.click('#fail'); await sleep(1_600); },
  },
  {
    id: 'slow-statement', about: ['slow', 'dead'], note: 'a statement that takes 3.6 s to load (the button answers with its request)',
    expect: [{ signal: 'slow' }],
    run: async (j) => { await j.open('/'); await j.click('#slowok'); await j.page.waitForSelector('#out:has-text("Statement ready")'); await sleep(400); },
  },
  {
    id: 'slow-5s', about: ['slow'], note: 'a statement that takes 5 s to load',
    expect: [{ signal: 'slow' }],
    run: async (j) => { await j.open('/?ms=5000'); await j.click('#slowok'); await j.page.waitForSelector('#out:has-text("Statement ready")'); await sleep(400); },
  },
  {
    id: 'slow-under-threshold', about: ['slow', 'dead'], note: 'a slow but working request, 2.2 s (under the 3 s threshold)',
    expect: [],
    run: async (j) => { await j.open('/?ms=2200'); await j.click('#slowok'); await j.page.waitForSelector('#out:has-text("Statement ready")'); await sleep(400); },
  },
  {
    id: 'missing-image', about: ['failed'], note: 'the home page only: its logo is a 404 image (every home visit has it)',
    expect: [],
    run: async (j) => { await j.open('/'); await sleep(1_000); },
  },
];
