/**
 * The trust job (derived/trust-job.ts): once sessions are quiet, `fidelity:` and every `foreign:` reason find exactly
 * the sessions that have them (a body deleted from the store's files, an image only another session captured, a form
 * re-pointed and an empty shield laid over the page by no script of the site's), on the SQLite and the PostgreSQL
 * index, the first runs on the real trust worker; the queue survives a restart and an upgrade
 * re-runs it; a session that grows is checked again; erasure takes its terms and its record; a run out of time or a
 * session too large is skipped with its reason, searchable as `fidelity:skipped`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordedEvent } from '../../../store/records';
import { capture, sessionInit } from '../../../store/test/contract/index';
import { findPostgresBin, startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { parseQuery } from '../query/index';
import type { OpenedSearch } from '../index';

/** A LevelDB store and the search over it; the store can be closed to damage it underneath, then reopened. */
interface Bench {
  store: LevelStore;
  open(o: Partial<OpenSearchOptions>): Promise<OpenedSearch>;
  /** Deletes a body's bytes from the store's files (a damaged disk, a botched restore), as replay-fidelity's e2e does. */
  loseBlob(digest: string): Promise<void>;
  close(): Promise<void>;
}

async function bench(name: string): Promise<Bench> {
  const dir = await mkdtemp(path.join(tmpdir(), `verbatim-${name}-`));
  const storeDir = path.join(dir, 'store');
  const keysDir = path.join(dir, 'keys');
  // Erasure signs tombstones: the store with its integrity keys, as bench() in index-fixtures.ts opens it.
  const openIt = () => openStore(storeDir, { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  const opened: OpenedSearch[] = [];
  const b: Bench = {
    store: await openIt(),
    async open(o) {
      const s = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store: b.store, gatherMs: 0, log: () => undefined, ...o });
      opened.push(s);
      return s;
    },
    async loseBlob(digest) {
      await b.store.close();
      const raw = new Level<string, Uint8Array>(storeDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
      await raw.del(blobKey(digest));
      await raw.close();
      b.store = await openIt();
    },
    async close() {
      for (const s of opened) await s.close().catch(() => undefined);
      await b.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return b;
}
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { blobKey } from '../../../store/level/keys';
import type { LevelStore } from '../../../store/level/level-store';
import { openStore } from '../../../store/index';
import Database from 'better-sqlite3';
import { openSearch, type OpenSearchOptions } from '../index';
import { loadOrCreateIndexKey } from '../index-key';
import { INDEX_FILE, SqliteSearchIndex } from '../sqlite/sqlite-index';

const SITE = 'https://bank.example';
const PAGE = `${SITE}/pay`;
const T0 = Date.UTC(2026, 11, 6, 9);
const QUIET = 60_000;
const later = () => Date.now() + QUIET + 1_000;
const HTML = '<html><body><h1>Make a payment</h1><p>Pay your bills today</p><form action="/pay"><button>Pay now</button></form></body></html>';

let nextId = 1;
type Node = Record<string, unknown>;
const text = (t: string): Node => ({ type: 3, id: nextId++, textContent: t });
const el = (tagName: string, attributes: Record<string, string> = {}, ...childNodes: Node[]): Node => ({ type: 2, id: nextId++, tagName, attributes, childNodes });
const mutation = (at: number, data: Record<string, unknown>): RecordedEvent => ({ type: 3, timestamp: at, data: { source: 0, texts: [], attributes: [], removes: [], adds: [], ...data } });

interface Page { events: RecordedEvent[]; form: Node; body: Node }

/** A payment page showing the bank's own words, with one image. */
function page(t0: number, image: string): Page {
  const form = el('form', { action: '/pay' }, el('button', {}, text('Pay now')));
  const body = el('body', {}, el('h1', {}, text('Make a payment')), el('p', {}, text('Pay your bills today')), form, el('img', { src: image }));
  const root = { type: 0, id: nextId++, childNodes: [el('html', {}, el('head'), body)] };
  return {
    form, body,
    events: [
      { type: 4, timestamp: t0 + 10, data: { href: PAGE, width: 1280, height: 800 } },
      { type: 2, timestamp: t0 + 20, data: { node: root, initialOffset: { top: 0, left: 0 } } },
    ],
  };
}

async function putCapture(b: Bench, sessionId: string, url: string, at: number, body: string, type: string, destination: 'document' | 'image'): Promise<string> {
  const digest = await b.store.putBlob(Buffer.from(body));
  await b.store.putCapture({ ...capture(url, at, digest, sessionId), destination, headers: [['content-type', type]] });
  return digest;
}

/**
 * s-clean: everything its own; s-missing: its own image, whose bytes are then lost from the store; s-borrowed: an image only another session
 * captured; s-form: its own image, then a script of no one's sends the form elsewhere and lays an empty shield over
 * the page. `other` holds only the borrowed image.
 */
async function record(b: Bench): Promise<{ formAt: number; clean: Page }> {
  const at = (i: number) => T0 + i * 60_000;
  await b.store.createSession(sessionInit('other', at(0) - 3_600_000));
  await putCapture(b, 'other', `${SITE}/shared.png`, at(0) - 3_600_000, 'png bytes', 'image/png', 'image');
  const images = { 's-clean': '/own-clean.png', 's-missing': '/own-missing.png', 's-borrowed': '/shared.png', 's-form': '/own-form.png' } as const;
  const pages: Record<string, Page> = {};
  let lost = '';
  let i = 1;
  for (const [id, image] of Object.entries(images)) {
    const t = at(i++);
    await b.store.createSession(sessionInit(id, t));
    await putCapture(b, id, PAGE, t + 1, HTML, 'text/html', 'document');
    if (image.startsWith('/own')) {
      const digest = await putCapture(b, id, `${SITE}${image}`, t + 15, `bytes of ${image}`, 'image/png', 'image');
      if (id === 's-missing') lost = digest;
    }
    pages[id] = page(t, image);
    await b.store.appendEvents({ sessionId: id, page: { id: 'p1', url: PAGE }, seq: 0, events: pages[id]!.events, receivedAt: t });
  }
  const f = pages['s-form']!;
  const formAt = at(4) + 500;
  await b.store.appendEvents({
    sessionId: 's-form', page: { id: 'p1', url: PAGE }, seq: 1, receivedAt: formAt, events: [
      mutation(formAt, { attributes: [{ id: f.form.id, attributes: { action: 'https://collect.attacker.invalid/c' } }] }),
      mutation(formAt + 100, { adds: [{ parentId: f.body.id, nextId: null, node: el('div', { style: 'position:fixed;inset:0;z-index:99999' }) }] }),
    ],
  });
  await b.loseBlob(lost);
  return { formAt, clean: pages['s-clean']! };
}

const ids = async (s: OpenedSearch, q: string): Promise<string[]> =>
  (await s.index.search(parseQuery(q), { limit: 20 })).results.map((r) => r.session.id).sort();

describe('fidelity: in the query language', () => {
  it('a word is the category, a number or comparison the score (0–100)', () => {
    assert.deepEqual(parseQuery('fidelity:missing'), { kind: 'text', field: 'fidelity', value: 'missing', phrase: false, prefix: false, start: 0, end: 16 });
    assert.deepEqual(parseQuery('fidelity:<80'), { kind: 'number', field: 'fidelity', op: '<', value: 80, start: 0, end: 12 });
    assert.deepEqual(parseQuery('fidelity:100'), { kind: 'number', field: 'fidelity', op: '=', value: 100, start: 0, end: 12 });
    assert.throws(() => parseQuery('fidelity:>101'), { message: /fidelity score is a whole number from 0 to 100/ });
    assert.throws(() => parseQuery('typed:>3'), { message: /comparisons work on status, pages, score, fidelity/ });
  });
});

/** `timeBox`: the skip cases too (backend-neutral but for the writes; SQLite only, to keep the suite short). */
describe('an SQLite index made before the fidelity score', () => {
  it('gets the column on open, empty until the job writes it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-trust-old-'));
    try {
      const key = await loadOrCreateIndexKey(path.join(dir, 'keys'));
      const index = new SqliteSearchIndex(dir, key);
      await index.open();
      await index.apply({ cursor: 1, sessions: [{ id: 'old', channel: 'proxy', startedAt: T0, endedAt: T0, pageCount: 1, durationMs: 0, activeMs: 0, customerLinked: false }], hits: [] });
      await index.close();
      const db = new Database(path.join(dir, INDEX_FILE));
      db.exec('ALTER TABLE sessions DROP COLUMN fidelity');
      db.close();
      await index.open();
      const found = async (q: string) => (await index.search(parseQuery(q), { limit: 5 })).results.map((r) => r.session.id);
      assert.deepEqual(await found('fidelity:>=0'), []);
      await index.apply({ cursor: 0, keepCursor: true, sessions: [], hits: [], fidelity: [{ sessionId: 'old', score: 40 }] });
      assert.deepEqual(await found('fidelity:<50'), ['old']);
      assert.equal(await index.cursor(), 1);
      await index.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function scenario(name: string, searchUrl: () => string | undefined, timeBox: boolean): void {
  describe(`trust job (${name})`, () => {
    let b: Bench;
    let s: OpenedSearch;
    let formAt = 0;
    let clean: Page;
    before(async () => {
      b = await bench(`trust-${name}`);
      ({ formAt, clean } = await record(b));
      // On the trust worker thread, as `verbatim start` runs it (its store reads bridged to this thread's store).
      s = await b.open({ searchUrl: searchUrl(), trust: { quietMs: QUIET, worker: true } });
      await s.follower.catchUp();
    });
    after(() => b?.close());

    it('waits until a session is quiet, then finds exactly the sessions with each fidelity category and foreign reason', async () => {
      assert.deepEqual(await s.trust.runDue(), { ran: 0, skipped: 0, failed: 0 }, 'nothing is quiet yet');
      assert.deepEqual(await s.trust.runDue(later), { ran: 5, skipped: 0, failed: 0 });
      assert.equal(s.trust.onWorker, true, 'the runs went to the trust worker');
      assert.deepEqual(await ids(s, 'fidelity:missing'), ['s-missing']);
      assert.deepEqual(await ids(s, 'fidelity:borrowed'), ['s-borrowed']);
      assert.deepEqual(await ids(s, 'fidelity:full'), ['other', 's-clean', 's-form']);
      assert.deepEqual(await ids(s, 'fidelity:fuzzy'), []);
      assert.deepEqual(await ids(s, 'foreign:foreign-form-action'), ['s-form']);
      assert.deepEqual(await ids(s, 'foreign:foreign-overlay'), ['s-form']);
      assert.deepEqual(await ids(s, 'foreign:any'), ['s-form']);
      for (const reason of ['extension-resource', 'foreign-resource', 'unexplained-content', 'text-replaced']) {
        assert.deepEqual(await ids(s, `foreign:${reason}`), [], reason);
      }
      // Scores: one borrowed image within a day 90, one missing 0, the rest (and no resource at all) 100.
      assert.deepEqual(await ids(s, 'fidelity:<100'), ['s-borrowed', 's-missing']);
      assert.deepEqual(await ids(s, 'fidelity:>=90'), ['other', 's-borrowed', 's-clean', 's-form']);
      assert.deepEqual(await ids(s, 'fidelity:90'), ['s-borrowed']);
      assert.deepEqual(await ids(s, 'fidelity:0'), ['s-missing']);
      const found = await s.index.search(parseQuery('foreign:foreign-form-action'), { limit: 5 });
      assert.deepEqual([found.results[0]!.firstMatch?.at, found.results[0]!.firstMatch?.kind], [formAt, 'foreign']);
      assert.equal((await s.index.matches('s-missing', parseQuery('fidelity:missing')))[0]!.at, T0 + 2 * 60_000 + 20);
    });

    it('keeps its place across a restart, runs again after an upgrade, and checks a session again when it grows', async () => {
      await s.close();
      s = await b.open({ searchUrl: searchUrl(), trust: { quietMs: QUIET } });
      assert.deepEqual(await s.trust.runDue(later), { ran: 0, skipped: 0, failed: 0 }, 'every session ran already');
      const hits = (await s.index.counts()).hits;

      await s.close();
      s = await b.open({ searchUrl: searchUrl(), trust: { quietMs: QUIET, version: 2 } });
      assert.deepEqual(await s.trust.runDue(later), { ran: 5, skipped: 0, failed: 0 }, 'another version runs every session again');
      assert.equal((await s.index.counts()).hits, hits, 'a run replaces its terms, never doubles them');

      await b.store.appendEvents({
        sessionId: 's-clean', page: { id: 'p1', url: PAGE }, seq: 1, receivedAt: T0 + 61_000,
        events: [mutation(T0 + 61_000, { attributes: [{ id: clean.form.id, attributes: { action: 'https://collect.attacker.invalid/c' } }] })],
      });
      await s.follower.catchUp();
      assert.deepEqual(await s.trust.runDue(later), { ran: 1, skipped: 0, failed: 0 });
      assert.deepEqual(await ids(s, 'foreign:foreign-form-action'), ['s-clean', 's-form']);
      assert.deepEqual(await ids(s, 'foreign:foreign-overlay'), ['s-form']);
    });

    it('erasure takes the session\'s terms and its record', async () => {
      assert.ok(await s.index.getMeta('trust.ran.s-form'));
      await b.store.eraseSession('s-form', { reason: 'customer request' });
      await s.follower.catchUp();
      await s.trust.runDue(later);
      assert.deepEqual(await ids(s, 'foreign:any'), ['s-clean']);
      assert.deepEqual(await ids(s, 'fidelity:full'), ['other', 's-clean']);
      assert.equal(await s.index.getMeta('trust.ran.s-form'), undefined);
    });

    if (timeBox) it('skips a run out of time and a session too large, with the reason recorded and searchable', async () => {
      await s.close();
      let slow = 0;
      s = await b.open({
        searchUrl: searchUrl(),
        trust: { quietMs: QUIET, version: 3, timeoutMs: 30, compute: () => new Promise((r) => setTimeout(() => r({ hits: [], fidelity: 100 }), 80 + slow++)) },
      });
      assert.deepEqual(await s.trust.runDue(later), { ran: 0, skipped: 4, failed: 0 });
      assert.deepEqual(await ids(s, 'fidelity:skipped'), ['other', 's-borrowed', 's-clean', 's-missing']);
      assert.deepEqual(await ids(s, 'fidelity:missing'), [], 'a skipped run withdraws the earlier verdict');
      assert.deepEqual(await ids(s, 'foreign:any'), ['s-clean'], 'foreign hits stay as they were');
      assert.deepEqual(await ids(s, 'fidelity:>=0'), [], 'a skipped session has no score');
      assert.match(await s.index.getMeta('trust.ran.s-clean') ?? '', /"outcome":"skipped:timeout"/);

      // On the worker, a run out of time ends the worker (the next run starts a fresh one).
      await s.close();
      s = await b.open({ searchUrl: searchUrl(), trust: { quietMs: QUIET, version: 5, worker: true, timeoutMs: 1 } });
      assert.deepEqual(await s.trust.runDue(later), { ran: 0, skipped: 4, failed: 0 });
      assert.match(await s.index.getMeta('trust.ran.s-borrowed') ?? '', /"v":5,.*"outcome":"skipped:timeout"/);

      await s.close();
      s = await b.open({ searchUrl: searchUrl(), trust: { quietMs: QUIET, version: 4, maxEvents: 1 } });
      assert.deepEqual(await s.trust.runDue(later), { ran: 1, skipped: 3, failed: 0 }, '`other` has no events');
      assert.match(await s.index.getMeta('trust.ran.s-missing') ?? '', /"outcome":"skipped:too-large"/);
    });
  });
}

scenario('sqlite', () => undefined, true);

const pgBin = await findPostgresBin();
let server: PostgresServer | undefined;
let pgUrl: string | undefined;
describe('trust job on PostgreSQL', { skip: pgBin ? false : 'PostgreSQL is not installed' }, () => {
  before(async () => {
    server = await startPostgres();
    pgUrl = `${server.url(await server.createDatabase('trust'))}&schema=verbatim_trust`;
  });
  after(async () => server?.stop());
  scenario('postgres', () => pgUrl, false);
});
