import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { batch, capture, event, sessionInit } from '../../store/test/contract/index';
import { ReplayLibrary } from '../replay/index';
import { recordingLimits } from '../replay/recording-limits';

const dir = await mkdtemp(join(tmpdir(), 'verbatim-fidelity-'));
const T = 1_700_000_000_000;
const HOUR = 3_600_000;
const SITE = 'https://bank.example';
let store: LevelStore;

const el = (id: number, tagName: string, attributes: Record<string, unknown> = {}, childNodes: unknown[] = []) => ({ type: 2, id, tagName, attributes, childNodes });
const snapshot = el(1, 'html', {}, [
  el(2, 'head', {}, [
    el(3, 'link', { rel: 'stylesheet', href: '/a.css' }),
    el(4, 'link', { rel: 'canonical', href: '/elsewhere' }),
    el(5, 'link', { rel: 'stylesheet', href: '/inlined.css', _cssText: 'body { background: url(/inline-bg.png) }' }),
  ]),
  el(6, 'body', {}, [
    el(7, 'img', { src: '/logo.png' }),
    el(8, 'img', { src: '/hero.png?_=1700000000999' }),
    el(9, 'img', { src: '/gone.png' }),
    el(10, 'img', { src: '/lazy.png', loading: 'lazy' }),
    el(11, 'div', { class: 'verbatim-block', rr_width: '200px', rr_height: '50px' }),
    el(12, 'iframe', { src: 'https://widget.example/frame' }),
    el(13, 'canvas', {}),
    el(14, 'p', { class: 'verbatim-mask' }, [{ type: 3, id: 15, textContent: '****' }]),
    el(16, 'a', { href: '/not-a-resource' }),
  ]),
]);

async function put(url: string, at: number, sessionId: string, body: string, contentType: string): Promise<void> {
  const digest = await store.putBlob(Buffer.from(body));
  await store.putCapture({ ...capture(`${SITE}${url}`, at, digest, sessionId), destination: 'style', headers: [['content-type', contentType]] });
}

before(async () => {
  store = await openStore(join(dir, 'store'));
  await store.createSession(sessionInit('other', T - 2 * HOUR));
  await store.createSession(sessionInit('s1', T));
  await store.appendEvents(batch('s1', 'p1', 0, [
    { type: 4, timestamp: T + 10, data: { href: `${SITE}/home`, width: 1280, height: 800 } },
    { type: 2, timestamp: T + 20, data: { node: { type: 0, id: 0, childNodes: [snapshot] }, initialOffset: { top: 0, left: 0 } } },
    event(T + 30),
  ], { page: { id: 'p1', url: `${SITE}/home` } }));
  await put('/a.css', T + 5, 's1', '@font-face { font-family: X; src: url(/font.woff2) } .never-used { background: url(/unused.png) }', 'text/css');
  await put('/font.woff2', T - 2 * HOUR, 'other', 'font bytes', 'font/woff2');
  await put('/logo.png', T - 2 * HOUR, 'other', 'logo bytes', 'image/png');
  await put('/hero.png?_=1700000000123', T + 6, 's1', 'hero bytes', 'image/png');
  await put('/inline-bg.png', T + 7, 's1', 'bg bytes', 'image/png');
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('replay fidelity', () => {
  it('classifies every loaded resource: own, borrowed (how far apart), loose, missing, and optional ones nobody captured', async () => {
    const report = await new ReplayLibrary(store).fidelity((await store.getSession('s1'))!);
    const by = (source: string) => [...report.concerns, ...report.unused].filter((i) => i.source === source).map((i) => i.url.replace(SITE, '')).sort();
    assert.deepEqual(by('borrowed'), ['/font.woff2', '/logo.png'], 'the font inside the stylesheet is checked too');
    assert.deepEqual(report.concerns.filter((i) => i.source === 'borrowed').map((i) => i.distanceMs), [2 * HOUR + 20, 2 * HOUR + 20]);
    assert.deepEqual(by('loose'), ['/hero.png?_=1700000000999']);
    assert.deepEqual(by('missing'), ['/gone.png']);
    assert.deepEqual(by('unused'), ['/lazy.png', '/unused.png'], 'a lazy image and a CSS url() nobody captured are not scored');
    assert.deepEqual(
      { own: report.counts.own, total: report.counts.total, unused: report.counts.unused },
      { own: 2, total: 6, unused: 2 }, '/a.css and the inlined stylesheet\'s background are own; canonical, inlined href and links are not resources',
    );
    // (1 + 1 + 0.9 + 0.9 + 0.5 + 0) / 6 = 0.7167 → 72, minus 5 for blocked and 5 for the unrecorded frame.
    assert.equal(report.score, 62);
    assert.equal(report.full, false);
    assert.deepEqual(report.limits, { blockedElements: 1, framesNotRecorded: 1, maskedElements: 1, canvasesWithoutPixels: 1 });
  });

  it('counts recording limits once per element (a blocked script hides nothing), and a frame whose document arrived as recorded', () => {
    const frame = el(5, 'iframe', { src: '/same-origin' });
    const events = [
      { type: 2, timestamp: 1, data: { node: el(1, 'html', {}, [frame, el(6, 'div', { rr_width: '1px' }), el(7, 'canvas', { rr_dataURL: 'data:' }), el(8, 'script', { rr_width: '0px' })]) } },
      { type: 3, timestamp: 2, data: { source: 0, adds: [{ parentId: 5, node: { type: 0, id: 20, childNodes: [] } }], removes: [], texts: [], attributes: [] } },
      { type: 2, timestamp: 3, data: { node: el(1, 'html', {}, [el(6, 'div', { rr_width: '1px' })]) } },
    ];
    assert.deepEqual(recordingLimits(events), { blockedElements: 1, framesNotRecorded: 0, maskedElements: 0, canvasesWithoutPixels: 0 });
  });

  it('a forged or unknown session is a coded error, not a borrowed replay', async () => {
    await assert.rejects(new ReplayLibrary(store).session('nope'), { code: 'SESSION_UNKNOWN' });
  });
});
