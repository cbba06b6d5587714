/**
 * The session list pages on (startedAt, id): thousands of sessions that started in the same millisecond are each
 * listed exactly once, with and without a channel filter (the old `before=<ms>` cursor reached 4,943 of 5,000).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { LevelStore } from '../../store/level/level-store';
import { startViewer, type Viewer } from '../server';
import { rawGet } from './http-client';

const T0 = 1_790_000_000_000;
const SAME_MS = 2_400;
const SPREAD = 600;

let dir: string;
let store: LevelStore;
let viewer: Viewer;
const kiosk = new Set<string>();

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-paging-'));
  store = new LevelStore(path.join(dir, 'store'));
  await store.open();
  for (let i = 0; i < SAME_MS + SPREAD; i++) {
    const id = `p${String(i).padStart(6, '0')}k4m5n6p7r8s9t2v3`;
    const channel = i % 3 === 0 ? 'kiosk' : 'proxy';
    if (channel === 'kiosk') kiosk.add(id);
    await store.createSession({ id, channel, startedAt: i < SAME_MS ? T0 : T0 - 1 - (i - SAME_MS) * 7 });
  }
  viewer = await startViewer({ store, port: 0, uiDir: dir });
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function pageThrough(query: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 100; pages++) {
    const page = (await rawGet(`${viewer.url}/api/sessions?limit=${limit}${query}${cursor}`)).json<{ id: string; startedAt: number }[]>();
    seen.push(...page.map((s) => s.id));
    if (page.length < limit) return seen;
    const last = page[page.length - 1]!;
    cursor = `&after=${last.startedAt}:${last.id}`;
  }
  assert.fail('more pages than sessions');
}

it('lists every session exactly once, newest first, through thousands that share a millisecond', async () => {
  for (const limit of [50, 500, 499]) {
    const ids = await pageThrough('', limit);
    assert.equal(ids.length, SAME_MS + SPREAD, `limit ${limit}`);
    assert.equal(new Set(ids).size, ids.length, `limit ${limit}: no session twice`);
  }
});

it('pages a channel filter the same way', async () => {
  const ids = await pageThrough('&channel=kiosk', 200);
  assert.equal(ids.length, kiosk.size);
  assert.deepEqual(new Set(ids), kiosk);
});

it('refuses a malformed cursor with a reason', async () => {
  for (const bad of ['123', 'abc:p000001k4m5n6p7r8s9t2v3', '1:', '1:../../etc', `${'9'.repeat(20)}:p000001k4m5n6p7r8s9t2v3`]) {
    const res = await rawGet(`${viewer.url}/api/sessions?after=${encodeURIComponent(bad)}`);
    assert.equal(res.status, 400, bad);
    assert.match(res.text, /after must be <startedAt>:<session id>/);
  }
});
