/** Cases for quick back, excessive scrolling and a thrashed cursor, and their look-alikes. */
import type { CorpusCase } from '../case';
import { sleep, type Journey } from '../harness';

/** The pointer swung left and right between two x positions, `swings` times, `gapMs` between swings. */
async function swing(j: Journey, from: number, to: number, swings: number, gapMs: number): Promise<void> {
  await j.page.mouse.move(from, 300);
  for (let i = 0; i < swings; i++) {
    await j.page.mouse.move(i % 2 ? from : to, 300 + (i % 3));
    await sleep(gapMs);
  }
}

export const motionCases: CorpusCase[] = [
  {
    id: 'quickback-browser-back', about: ['quickback', 'dwell-short'], note: 'home → guide, back with the browser after 2 s (the guide\'s readers stay 7.5–17 s: dwell.ts)',
    expect: [{ signal: 'quickback' }, { signal: 'dwell-short' }],
    run: async (j) => {
      await j.open('/'); await j.click('#to-article'); await j.page.waitForURL('**/article'); await sleep(2_000);
      await j.page.goBack(); await sleep(800);
    },
  },
  {
    id: 'quickback-link', about: ['quickback', 'dead', 'dwell-short'], note: "home → guide, back by the guide's Home link after 1.5 s",
    expect: [{ signal: 'quickback' }, { signal: 'dwell-short' }],
    run: async (j) => {
      await j.open('/'); await j.click('#to-article'); await j.page.waitForURL('**/article'); await sleep(1_000);
      await j.click('#top-home'); await j.page.waitForURL((u) => u.pathname === '/'); await sleep(800);
    },
  },
  {
    id: 'quickback-spa', about: ['quickback', 'dead'], note: 'single-page app: debit → credit card, back to debit after 2 s',
    expect: [{ signal: 'quickback' }],
    run: async (j) => {
      await j.open('/spa/a'); await sleep(800); await j.click('#spa-b'); await sleep(2_000); await j.click('#spa-a'); await sleep(1_000);
    },
  },
  {
    id: 'back-after-reading', long: true, about: ['quickback', 'scroll', 'dwell-long'], note: 'home → guide, read for 20 s scrolling down, then back: longer than the guide\'s readers',
    expect: [{ signal: 'dwell-long' }],
    run: async (j) => {
      await j.open('/'); await j.click('#to-article'); await j.page.waitForURL('**/article');
      await j.wheel(200, 10, 2_000); await j.page.goBack(); await sleep(800);
    },
  },
  {
    id: 'reload', about: ['quickback'], note: 'the home page reloaded after 1 s (same URL, not a bounce)',
    expect: [],
    run: async (j) => { await j.open('/'); await sleep(1_000); await j.page.reload(); await sleep(800); },
  },
  {
    id: 'spa-slow-back', long: true, about: ['quickback'], note: 'single-page app: debit → credit, read 9 s, back to debit',
    expect: [],
    run: async (j) => {
      await j.open('/spa/a'); await sleep(800); await j.click('#spa-b'); await sleep(9_000); await j.click('#spa-a'); await sleep(1_000);
    },
  },
  {
    id: 'scroll-up-down', sensitive: true, about: ['scroll'], note: 'the guide scrolled down and up again and again, looking for something',
    expect: [{ signal: 'scroll' }],
    run: async (j) => {
      await j.open('/article'); await j.wheel((i) => (i % 2 ? -700 : 700), 8, 350, true); await sleep(500);
    },
  },
  {
    id: 'scroll-far', sensitive: true, about: ['scroll'], note: 'the guide flung through 13,000 px in 1.5 s (20 viewports)',
    expect: [{ signal: 'scroll' }],
    run: async (j) => { await j.open('/article'); await j.wheel(1_300, 10, 150); await sleep(500); },
  },
  {
    id: 'scroll-reading', long: true, about: ['scroll', 'dwell-long', 'dwell-short'], note: 'the guide read from the top, a notch every 0.8 s for 10 s: a long read, within the guide\'s own range',
    expect: [],
    run: async (j) => { await j.open('/article'); await j.wheel(250, 12, 800); },
  },
  {
    id: 'scroll-wiggle', about: ['scroll'], note: 'small wiggles of 100 px up and down',
    expect: [],
    run: async (j) => {
      await j.open('/article'); await j.wheel((i) => (i % 2 ? -100 : 100), 10, 300, true);
    },
  },
  {
    id: 'thrash-fast', sensitive: true, about: ['thrash'], note: 'the pointer shaken 300 px left and right, 12 swings in about a second',
    expect: [{ signal: 'thrash' }],
    run: async (j) => { await j.open('/'); await swing(j, 250, 550, 12, 50); await sleep(600); },
  },
  {
    id: 'thrash-wide', sensitive: true, about: ['thrash'], note: 'the pointer shaken 150 px, 12 swings, a little slower',
    expect: [{ signal: 'thrash' }],
    run: async (j) => { await j.open('/'); await swing(j, 300, 450, 12, 90); await sleep(600); },
  },
  {
    id: 'pointer-path', about: ['thrash'], note: 'the pointer moved across the page to three buttons in turn',
    expect: [],
    run: async (j) => { await j.open('/'); await j.point('#toggle'); await sleep(400); await j.point('#more'); await sleep(400); await j.point('#noop'); await sleep(600); },
  },
  {
    id: 'pointer-tremble', about: ['thrash'], note: 'a trembling hand: 6 px back and forth, 12 times',
    expect: [],
    run: async (j) => { await j.open('/'); await swing(j, 400, 406, 12, 50); await sleep(600); },
  },
];
