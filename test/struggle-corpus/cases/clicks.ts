/** Cases for rage, dead and error clicks on the home page, and their look-alikes. */
import type { CorpusCase } from '../case';
import { sleep } from '../harness';

/** Long enough after a click for its dead window (1.2 s) to close inside the recording. */
const SETTLE = 1_400;

export const clickCases: CorpusCase[] = [
  {
    id: 'rage-dead-button', about: ['rage', 'dead'], note: '4 fast clicks on a button that does nothing',
    expect: [{ signal: 'rage', selector: '#noop' }, { signal: 'dead', selector: '#noop' }],
    run: async (j) => { await j.open('/'); await j.clicks('#noop', 4, 90); await sleep(SETTLE); },
  },
  {
    id: 'rage-throwing-button', about: ['rage', 'dead', 'error'], note: '3 fast clicks on a button whose handler throws',
    expect: [{ signal: 'rage', selector: '#throws' }, { signal: 'dead', selector: '#throws' }, { signal: 'error', selector: '#throws' }],
    run: async (j) => { await j.open('/'); await j.clicks('#throws', 3, 110); await sleep(SETTLE); },
  },
  {
    id: 'rage-late-button', about: ['rage', 'dead'], note: '3 clicks within 0.4 s on a button that answers after 0.9 s: impatient, but not dead',
    expect: [{ signal: 'rage', selector: '#late' }],
    run: async (j) => { await j.open('/'); await j.clicks('#late', 3, 120); await sleep(SETTLE); },
  },
  {
    id: 'rage-fake-button', about: ['rage', 'dead'], note: '5 clicks on a span with role=button and no handler',
    expect: [{ signal: 'rage', selector: '#fake' }, { signal: 'dead', selector: '#fake' }],
    run: async (j) => { await j.open('/'); await j.clicks('#fake', 5, 90); await sleep(SETTLE); },
  },
  {
    id: 'dead-once', about: ['dead', 'rage'], note: 'one click on a button that does nothing',
    expect: [{ signal: 'dead', selector: '#noop' }],
    run: async (j) => { await j.open('/'); await j.click('#noop'); await sleep(SETTLE); },
  },
  {
    id: 'dead-fake-once', about: ['dead'], note: 'one click on a role=button span that does nothing',
    expect: [{ signal: 'dead', selector: '#fake' }],
    run: async (j) => { await j.open('/'); await j.click('#fake'); await sleep(SETTLE); },
  },
  {
    id: 'dead-twice-apart', about: ['dead', 'rage'], note: 'a dead button tried twice, 1.8 s apart: two dead clicks, no rage',
    expect: [{ signal: 'dead', selector: '#noop' }],
    run: async (j) => { await j.open('/'); await j.click('#noop'); await sleep(1_800); await j.click('#noop'); await sleep(SETTLE); },
  },
  {
    id: 'error-throws', about: ['error', 'dead'], note: 'one click on a button whose handler throws (nothing changes either)',
    expect: [{ signal: 'error', selector: '#throws' }, { signal: 'dead', selector: '#throws' }],
    run: async (j) => { await j.open('/'); await j.click('#throws'); await sleep(SETTLE); },
  },
  {
    id: 'error-500', about: ['error', 'failed'], note: 'a button whose request answers 500',
    expect: [{ signal: 'error', selector: '#fail' }, { signal: 'failed' }],
    run: async (j) => { await j.open('/'); await j.click('#fail'); await sleep(SETTLE); },
  },
  {
    id: 'error-then-working', about: ['error', 'rage'], note: 'the throwing button, then a working one 0.3 s later: only the first is to blame',
    expect: [{ signal: 'error', selector: '#throws' }, { signal: 'dead', selector: '#throws' }],
    run: async (j) => { await j.open('/'); await j.click('#throws'); await sleep(300); await j.click('#help'); await sleep(SETTLE); },
  },
  // Look-alikes.
  {
    id: 'double-click', about: ['rage', 'dead'], note: 'a legitimate double-click on a working toggle',
    expect: [],
    run: async (j) => { await j.open('/'); await j.dblclick('#toggle'); await sleep(SETTLE); },
  },
  {
    id: 'double-click-and-one', about: ['rage'], note: 'a habitual double-click and one more click (3 clicks, 2 gestures) on a working toggle',
    expect: [],
    run: async (j) => { await j.open('/'); await j.dblclick('#toggle'); await sleep(250); await j.click('#toggle'); await sleep(SETTLE); },
  },
  {
    id: 'two-elements', about: ['rage', 'dead'], note: 'two quick clicks on different working buttons',
    expect: [],
    run: async (j) => { await j.open('/'); await j.click('#toggle'); await sleep(80); await j.click('#help'); await sleep(SETTLE); },
  },
  {
    id: 'load-more', about: ['rage'], note: '4 fast clicks on "Load more", each answered at once',
    expect: [],
    run: async (j) => { await j.open('/'); await j.clicks('#more', 4, 150); await sleep(SETTLE); },
  },
  {
    id: 'stepper', about: ['rage', 'dead'], note: '5 fast clicks on a "+" stepper',
    expect: [],
    run: async (j) => { await j.open('/'); await j.clicks('#plus', 5, 120); await sleep(SETTLE); },
  },
  {
    id: 'late-answer', sensitive: true, about: ['dead'], note: 'one click on a button that answers after 900 ms',
    expect: [],
    run: async (j) => {
      await j.open('/'); await j.click('#late'); await sleep(SETTLE);
      // On a machine too loaded to run the page's 900 ms timer in time the page really answered late: say so.
      const ms = Number(await j.page.locator('#out').getAttribute('data-late-ms'));
      if (!(ms < 1_150)) throw new Error(`the page answered after ${ms} ms, not 900 (machine too loaded for this case)`);
    },
  },
  {
    id: 'link-navigates', about: ['dead'], note: 'a link that navigates',
    expect: [],
    run: async (j) => { await j.open('/'); await j.click('#to-article'); await j.page.waitForURL('**/article'); await sleep(SETTLE); },
  },
  {
    id: 'plain-text', about: ['dead', 'rage'], note: 'a click on a paragraph of plain text, then a triple click to select it',
    expect: [],
    run: async (j) => { await j.open('/'); await j.click('#intro'); await sleep(1_500); await j.clicks('#intro', 3, 150); await sleep(SETTLE); },
  },
  {
    id: 'error-later', about: ['error', 'dead'], note: 'a working button whose background job throws 2.6 s later (outside the 1.5 s window)',
    expect: [],
    run: async (j) => { await j.open('/'); await j.click('#later'); await sleep(3_200); },
  },
  {
    id: 'fast-request', about: ['error', 'dead', 'slow'], note: 'a button whose request answers 200 in 150 ms',
    expect: [],
    run: async (j) => { await j.open('/'); await j.click('#fastok'); await sleep(SETTLE); },
  },
];
