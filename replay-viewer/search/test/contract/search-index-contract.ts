/**
 * The SearchIndex contract: what every backend (SQLite, PostgreSQL) must answer alike for the same hits and the
 * same query trees. A backend's test file calls runSearchIndexContract with a factory for a fresh, open index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FACET_FIELDS } from '../../query-terms';
import type { SearchIndex, SessionFacts } from '../../search-index';
import type { Hit } from '../../types';
import { and, kw, not, num, or, text, then, time } from './ast-builders';

export interface ContractBackend {
  /** A fresh, open, empty index. */
  open(): Promise<SearchIndex>;
  cleanup?(): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 5, 9, 0, 0);
const facts = (id: string, o: Partial<SessionFacts> = {}): SessionFacts => ({
  id, channel: 'proxy', startedAt: T0, endedAt: T0 + 60_000, pageCount: 1, durationMs: 60_000, activeMs: 30_000,
  customerLinked: false, browser: 'Chrome 140', os: 'Linux', device: 'desktop', ...o,
});
const hit = (kind: Hit['kind'], at: number, textValue: string, o: Partial<Hit> = {}): Hit => ({ kind, at: T0 + at, text: textValue, ...o });

/** A: transfer journey with a 500; B: kiosk, typed IBAN, linked; C: three sessions in the same ms (paging). */
const A = 'sess-a';
const B = 'sess-b';
const SAME = ['sess-c1', 'sess-c2', 'sess-c3'];

export function runSearchIndexContract(name: string, backend: ContractBackend): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let index: SearchIndex;
    before(async () => {
      index = await backend.open();
      await index.apply({
        cursor: 7,
        sessions: [
          facts(A, { entryUrl: 'https://bank.example/login', pageCount: 3, durationMs: 300_000, endedAt: T0 + 300_000, struggleScore: 71 }),
          facts(B, { channel: 'kiosk', terminal: 'branch-12', device: 'tablet', startedAt: T0 + 1000, endedAt: T0 + 61_000, struggleScore: 39.4 }),
          ...SAME.map((id) => facts(id, { channel: 'gateway', startedAt: T0 - 5000, browser: 'Firefox 128', os: 'Windows 10/11' })),
        ],
        hits: [
          {
            sessionId: A, hits: [
              hit('url', 0, 'https://bank.example/login', { pageId: 'p1' }),
              hit('text', 100, 'Welcome back to Example Bank online banking'),
              hit('typed', 2000, 'alice.smith', { field: 'username' }),
              hit('clicked', 3000, 'Sign in', { field: 'button#login' }),
              hit('url', 5000, 'https://bank.example/payments/transfer?from=1', { pageId: 'p2' }),
              hit('request', 6000, 'POST bank.example/api/transfer', { host: 'bank.example', path: '/api/transfer', method: 'POST', status: 503, durationMs: 2500 }),
              hit('error', 6100, 'TypeError: cannot read properties of undefined'),
              hit('text', 7000, 'Your transfer could not be completed'),
            ],
          },
          {
            sessionId: B, hits: [
              hit('url', 0, 'https://kiosk.bank.example/accounts'),
              hit('typed', 500, 'DE89 3704 0044 0532 0130 00', { field: 'IBAN' }),
              hit('text', 800, 'Transfer completed successfully'),
              hit('request', 900, 'GET kiosk.bank.example/api/accounts', { host: 'kiosk.bank.example:8443', path: '/api/accounts', method: 'GET', status: 200, durationMs: 40 }),
            ],
          },
          ...SAME.map((id, i) => ({ sessionId: id, hits: [hit('text', i, `same millisecond session number ${i}`)] })),
        ],
        customerLinked: [B],
      });
    });
    after(async () => {
      await index.close();
      await backend.cleanup?.();
    });

    const ids = async (node: Parameters<SearchIndex['search']>[0], o: Partial<Parameters<SearchIndex['search']>[1]> = {}) =>
      (await index.search(node, { limit: 50, ...o })).results.map((r) => r.session.id);

    it('keeps the cursor with the batch', async () => {
      assert.equal(await index.cursor(), 7);
      assert.deepEqual(await index.counts(), { sessions: 5, hits: 15 });
    });

    it('finds words per field, and not in other fields', async () => {
      assert.deepEqual(await ids(text('text', 'welcome')), [A]);
      assert.deepEqual(await ids(text('typed', 'alice')), [A]);
      assert.deepEqual(await ids(text('text', 'alice')), []);
      assert.deepEqual(await ids(text('clicked', 'sign')), [A]);
      assert.deepEqual(await ids(text('error', 'TypeError')), [A]);
      assert.deepEqual(await ids(text('field', 'iban')), [B]);
      assert.deepEqual(await ids(text(null, 'transfer')).then((r) => r.sort()), [A, B].sort());
      assert.deepEqual(await ids(text(null, 'nothinglikethis')), []);
    });

    it('matches phrases by position', async () => {
      assert.deepEqual(await ids(text('text', 'transfer completed', { phrase: true })), [B]);
      assert.deepEqual(await ids(text('text', 'completed transfer', { phrase: true })), []);
      assert.deepEqual(await ids(text('typed', 'DE89 3704', { phrase: true })), [B]);
    });

    it('matches prefixes of words, URL paths and hosts', async () => {
      assert.deepEqual(await ids(text('text', 'welc', { prefix: true })), [A]);
      assert.deepEqual(await ids(text('url', '/pay', { prefix: true })), [A]);
      assert.deepEqual(await ids(text('url', '/payments/tr', { prefix: true })), [A]);
      assert.deepEqual(await ids(text('url', 'bank.example/login', { prefix: true })), [A]);
      assert.deepEqual(await ids(text('url', '/accounts', { prefix: true })), [B]);
      assert.deepEqual(await ids(text('path', '/api/tr', { prefix: true })), [A]);
      assert.deepEqual(await ids(text('host', 'kiosk', { prefix: true })), [B]);
      assert.deepEqual(await ids(text('host', 'bank.example')).then((r) => r.sort()), [A, B].sort());
      assert.deepEqual(await ids(text('host', 'kiosk.bank.example')), [B], 'a host with a port');
      assert.deepEqual(await ids(text('host', 'ank.example')), [], 'not a part of a label');
      assert.deepEqual(await ids(text('url', 'payments')), [A]);
    });

    it('filters on facts and hit columns', async () => {
      assert.deepEqual(await ids(kw('channel', 'kiosk')), [B]);
      assert.deepEqual(await ids(kw('terminal', 'branch-12')), [B]);
      assert.deepEqual(await ids(kw('device', 'TABLET')), [B]);
      assert.deepEqual(await ids(kw('method', 'post')), [A]);
      assert.deepEqual(await ids(num('status', '>=', 500)), [A]);
      assert.deepEqual(await ids(num('took', '>', 1000)), [A]);
      assert.deepEqual(await ids(num('duration', '>', 120_000)), [A]);
      assert.deepEqual(await ids(num('pages', '=', 3)), [A]);
      assert.deepEqual(await ids(time('after', T0 + 500)), [B]);
      assert.deepEqual(await ids(time('on', T0 - 10_000, T0)), [...SAME].reverse());
      assert.deepEqual(await ids(kw('customer', 'C-1'), { customerSessions: new Map([['C-1', [B]]]) }), [B]);
      assert.deepEqual(await ids(kw('customer', 'C-2'), { customerSessions: new Map() }), []);
    });

    it('filters and answers the struggle score, which a later batch never lowers', async () => {
      assert.deepEqual(await ids(num('score', '>', 60)), [A]);
      assert.deepEqual(await ids(num('score', '>=', 39)), [B, A]);
      assert.deepEqual(await ids(num('score', '=', 0)), [...SAME].reverse());
      const scores = async () => Object.fromEntries((await index.search(num('score', '>=', 0), { limit: 50 })).results.map((r) => [r.session.id, r.session.struggleScore]));
      assert.deepEqual(await scores(), { [A]: 71, [B]: 39, [SAME[0]!]: 0, [SAME[1]!]: 0, [SAME[2]!]: 0 });
      const c = await index.cursor();
      await index.apply({ cursor: c, sessions: [facts(B, { channel: 'kiosk', terminal: 'branch-12', device: 'tablet', startedAt: T0 + 1000, endedAt: T0 + 61_000, struggleScore: 5 })], hits: [] });
      assert.equal((await scores())[B], 39);
      await index.apply({ cursor: c, sessions: [facts(B, { channel: 'kiosk', terminal: 'branch-12', device: 'tablet', startedAt: T0 + 1000, endedAt: T0 + 61_000, struggleScore: 1e9 })], hits: [] });
      assert.equal((await scores())[B], 100, 'a hostile score is cut to 100');
    });

    it('takes a derived job\'s write beside the feed: the cursor stays, its kinds are replaced, the fidelity score is kept', async () => {
      const c = await index.cursor();
      const before = await index.counts();
      const write = (hits: Hit[], score: number | null) => index.apply({
        cursor: 0, keepCursor: true, sessions: [], hits: [{ sessionId: A, hits }], replaceKinds: [{ sessionId: A, kinds: ['fidelity'] }],
        fidelity: [{ sessionId: A, score }],
      });
      await write([hit('fidelity', 10, 'borrowed'), hit('fidelity', 20, 'missing')], 62.4);
      await write([hit('fidelity', 20, 'missing')], 62.4);
      assert.equal(await index.cursor(), c, 'the follower\'s cursor is not the job\'s');
      assert.deepEqual(await ids(text('fidelity', 'missing')), [A]);
      assert.deepEqual(await ids(text('fidelity', 'borrowed')), [], 'replaced, not added to');
      assert.deepEqual(await ids(num('fidelity', '<', 63)), [A]);
      assert.deepEqual(await ids(num('fidelity', '=', 62)), [A]);
      assert.deepEqual(await ids(num('fidelity', '>=', 0)), [A], 'sessions never checked have no score');
      // The follower's next upsert of the session's facts leaves the score alone.
      await index.apply({ cursor: c, sessions: [facts(A, { entryUrl: 'https://bank.example/login', pageCount: 3, durationMs: 300_000, endedAt: T0 + 300_000, struggleScore: 71 })], hits: [] });
      assert.deepEqual(await ids(num('fidelity', '<', 63)), [A]);
      await write([], null);
      assert.deepEqual(await ids(num('fidelity', '>=', 0)), []);
      assert.deepEqual(await index.counts(), before);
    });

    it('matches a browser or OS by its name alone, whatever the version', async () => {
      assert.deepEqual(await ids(kw('browser', 'chrome')), [B, A]);
      assert.deepEqual(await ids(kw('browser', 'Chrome 140')), [B, A]);
      assert.deepEqual(await ids(kw('browser', 'firefox')), [...SAME].reverse());
      assert.deepEqual(await ids(kw('os', 'windows')), [...SAME].reverse());
      assert.deepEqual(await ids(kw('os', 'windows 10/11')), [...SAME].reverse());
      for (const partial of ['chro', 'chrome 14', '%', 'c_rome', 'Firefox 128 beta']) assert.deepEqual(await ids(kw('browser', partial)), [], partial);
    });

    it('combines with AND, OR, NOT', async () => {
      assert.deepEqual(await ids(and(text(null, 'transfer'), kw('channel', 'proxy'))), [A]);
      assert.deepEqual(await ids(or(kw('channel', 'kiosk'), num('status', '>=', 500))), [B, A]);
      assert.deepEqual(await ids(and(text(null, 'transfer'), not(kw('channel', 'kiosk')))), [A]);
      // A session without the field is not "terminal:branch-12", so NOT keeps it (SQL's NULL must not drop it).
      assert.deepEqual(await ids(and(text(null, 'transfer'), not(kw('terminal', 'branch-12')))), [A]);
    });

    it('lists every matching session\'s id in one call, as paging through search finds them', async () => {
      const all = async (node: Parameters<SearchIndex['sessionIds']>[0]) => (await index.sessionIds(node)).sort();
      assert.deepEqual(await all(text(null, 'transfer')), [A, B].sort());
      assert.deepEqual(await all(or(kw('channel', 'kiosk'), num('status', '>=', 500))), [A, B].sort());
      assert.deepEqual(await all(text(null, 'session')), [...SAME].sort());
      assert.deepEqual(await all(and(text(null, 'session'), not(text(null, 'number')))), []);
      // Past one page of search: the same five as paging finds.
      let cursor: string | undefined;
      const paged: string[] = [];
      do {
        const page = await index.search(and(), { limit: 2, cursor });
        paged.push(...page.results.map((r) => r.session.id));
        cursor = page.next;
      } while (cursor);
      assert.deepEqual(await all(and()), paged.sort());
      assert.equal(paged.length, 5);
    });

    it('orders then-steps by their first matching moments', async () => {
      assert.deepEqual(await ids(then(text('typed', 'alice'), num('status', '>=', 500))), [A]);
      assert.deepEqual(await ids(then(num('status', '>=', 500), text('typed', 'alice'))), []);
      assert.deepEqual(await ids(then(text('url', 'login'), text('clicked', 'sign'), text('error', 'typeerror'))), [A]);
      assert.deepEqual(await ids(then(text('error', 'typeerror'), text('url', 'login'))), []);
      const r = await index.search(then(text('typed', 'alice'), num('status', '>=', 500)), { limit: 10 });
      assert.equal(r.results[0]!.firstMatch?.at, T0 + 2000);
      assert.equal(r.results[0]!.firstMatch?.kind, 'typed');
    });

    it('answers the first match with its snippet and every match of a session', async () => {
      const r = await index.search(text(null, 'transfer'), { limit: 10 });
      const a = r.results.find((x) => x.session.id === A)!;
      assert.equal(a.firstMatch?.at, T0 + 5000);
      assert.equal(a.firstMatch?.kind, 'url');
      assert.match(a.firstMatch!.snippet, /transfer/);
      assert.equal(a.matchCount, 3);
      assert.equal(a.session.entryUrl, 'https://bank.example/login');
      const m = await index.matches(A, text(null, 'transfer'));
      assert.deepEqual(m.map((x) => x.at), [T0 + 5000, T0 + 6000, T0 + 7000]);
      assert.equal(m[2]!.snippet, 'Your transfer could not be completed');
      assert.deepEqual(await index.matches(B, text('typed', 'alice')), []);
    });

    it('pages newest first without skipping sessions started in the same ms', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await index.search(and(), { limit: 2, cursor });
        assert.equal(r.total, 5);
        seen.push(...r.results.map((x) => x.session.id));
        cursor = r.next;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [B, A, 'sess-c3', 'sess-c2', 'sess-c1']);
    });

    it('limits to customer-linked sessions and counts facets', async () => {
      assert.deepEqual(await ids(text(null, 'transfer'), { customerLinkedOnly: true }), [B]);
      const r = await index.search(and(), { limit: 1, facets: ['channel', 'status', 'method'] });
      assert.deepEqual(r.facets.channel, [{ value: 'gateway', count: 3 }, { value: 'kiosk', count: 1 }, { value: 'proxy', count: 1 }]);
      assert.deepEqual(r.facets.status, [{ value: '2xx', count: 1 }, { value: '5xx', count: 1 }]);
      assert.deepEqual(r.facets.method, [{ value: 'GET', count: 1 }, { value: 'POST', count: 1 }]);
    });

    it('evaluates sequences of combined steps by their moments', async () => {
      assert.deepEqual(await ids(then(and(text('typed', 'alice'), text('clicked', 'sign')), text('error', 'typeerror'))), [A]);
      // After the click (3000) the error (6100) comes, the typing (2000) does not: AND needs both after it.
      assert.deepEqual(await ids(then(text('clicked', 'sign'), and(text('error', 'typeerror'), text('typed', 'alice')))), []);
      assert.deepEqual(await ids(then(text('typed', 'alice'), or(text('error', 'nothinglikethis'), num('status', '>=', 500)))), [A]);
      assert.deepEqual(await ids(then(text('error', 'typeerror'), or(text('typed', 'alice'), text('text', 'transfer')))), [A]);
      assert.deepEqual(await ids(then(text('typed', 'alice'), not(kw('channel', 'kiosk')))), [A]);
      assert.deepEqual(await ids(then(text('typed', 'alice'), not(kw('channel', 'proxy')))), []);
    });

    it('matches word prefixes after whole words, phrases in fields and paths, and free text in words only', async () => {
      assert.deepEqual(await ids(text('text', 'completed succ', { prefix: true })), [B]);
      assert.deepEqual(await ids(text('text', 'could compl', { prefix: true })), [A]);
      assert.deepEqual(await ids(text('field', 'button login')), [A]);
      assert.deepEqual(await ids(text('field', 'login button')), []);
      assert.deepEqual(await ids(text('path', 'api transfer')), [A]);
      assert.deepEqual(await ids(text('path', 'api')), [B, A]);
      assert.deepEqual(await ids(text('title', 'welcome')), []);
      assert.deepEqual(await ids(text(null, 'alice')), [A]);
      assert.deepEqual(await ids(text(null, 'iban')), [], 'a field name is not a word of the hit');
      await assert.rejects(index.search(text('text', 'we', { prefix: true }), { limit: 10 }), /at least 3 letters/);
    });

    it('filters on time ranges and numbers, and NOT keeps sessions lacking the field', async () => {
      assert.deepEqual(await ids(time('before', undefined, T0)), [...SAME].reverse());
      assert.deepEqual(await ids(time('after', T0, T0 + 1000)), [A], 'half-open');
      assert.deepEqual(await ids(num('took', '<', 100)), [B]);
      assert.deepEqual(await ids(num('status', '<', 300)), [B]);
      assert.deepEqual((await ids(num('active', '>=', 30_000))).length, 5);
      assert.deepEqual(await ids(kw('session', A)), [A]);
      assert.deepEqual(await ids(kw('country', 'de')), []);
      assert.deepEqual(await ids(not(kw('terminal', 'branch-12'))), [A, ...[...SAME].reverse()]);
      assert.deepEqual(await ids(not(num('status', '>=', 500))), [B, ...[...SAME].reverse()]);
      assert.deepEqual(await ids(not(kw('country', 'de'))), [B, A, ...[...SAME].reverse()]);
    });

    it('counts facets over every matching session, not the page', async () => {
      const r = await index.search(text(null, 'transfer'), { limit: 1, facets: ['channel', 'device', 'status', 'terminal'] });
      assert.equal(r.total, 2);
      assert.equal(r.results.length, 1);
      assert.ok(r.next);
      assert.deepEqual(r.facets.channel, [{ value: 'kiosk', count: 1 }, { value: 'proxy', count: 1 }]);
      assert.deepEqual(r.facets.device, [{ value: 'desktop', count: 1 }, { value: 'tablet', count: 1 }]);
      assert.deepEqual(r.facets.status, [{ value: '2xx', count: 1 }, { value: '5xx', count: 1 }]);
      assert.deepEqual(r.facets.terminal, [{ value: 'branch-12', count: 1 }]);
      await assert.rejects(index.search(and(), { limit: 1, facets: ['nosuchfield'] }), /No facet for nosuchfield/);
      const every = await index.search(and(), { limit: 1, facets: FACET_FIELDS });
      assert.deepEqual(Object.keys(every.facets), FACET_FIELDS, 'every facet the API offers');
      assert.deepEqual(every.facets.device, [{ value: 'desktop', count: 4 }, { value: 'tablet', count: 1 }]);
      assert.deepEqual(every.facets.country, []);
    });

    it('applies a batch whole or not at all', async () => {
      await assert.rejects(index.apply({ cursor: 99, sessions: [facts('sess-x')], hits: [{ sessionId: 'sess-unknown', hits: [hit('text', 0, 'orphan')] }] }));
      assert.equal(await index.cursor(), 7);
      assert.deepEqual(await index.counts(), { sessions: 5, hits: 15 });
      assert.deepEqual(await ids(kw('session', 'sess-x')), []);
    });

    it('indexes recorded values carrying NUL characters, and searches for them without failing', async () => {
      await index.apply({
        cursor: 7,
        sessions: [facts('sess-nul', { startedAt: T0 - 90_000, browser: 'Evil\u0000Browser', terminal: 't\u00001' })],
        hits: [{ sessionId: 'sess-nul', hits: [hit('text', -90_000, 'nul\u0000separated words', { pageId: 'p\u0000x' }),
          hit('request', -89_000, 'GET odd.example/x', { host: 'odd.example', path: '/x\u0000y', method: 'GET', status: 200 }),
          hit('error', 1e20, 'far future moment')] }],
      });
      assert.deepEqual((await index.matches('sess-nul', text('error', 'future'))).map((m) => m.at), [Math.trunc(T0 + 1e20)], 'a moment past 2^63 ms');
      assert.deepEqual(await ids(text('text', 'separated')), ['sess-nul']);
      assert.deepEqual(await ids(text('text', 'nul')), ['sess-nul']);
      assert.deepEqual(await ids(kw('terminal', 'x\u0000y')), []);
      assert.deepEqual(await ids(kw('session', 'sess\u0000nul')), []);
      assert.deepEqual(await index.matches('sess\u0000nul', text('text', 'nul')), []);
      await index.apply({ cursor: 7, sessions: [], hits: [], erased: ['sess-nul'] });
      assert.deepEqual(await index.counts(), { sessions: 5, hits: 15 });
    });

    it('skips a malformed hit, and updates a session whole but keeps its link and longest activity', async () => {
      const broken = { kind: 'text', at: Number.NaN, text: 'zzzmalformed words' } as Hit;
      await index.apply({ cursor: 7, sessions: [facts('sess-d', { startedAt: T0 - 90_000 })], hits: [{ sessionId: 'sess-d', hits: [broken, hit('text', -90_000, 'fixed amount shown')] }] });
      assert.deepEqual(await index.counts(), { sessions: 6, hits: 16 });
      assert.deepEqual(await ids(text('text', 'zzzmalformed')), []);
      assert.deepEqual(await ids(text('text', 'amount')), ['sess-d']);
      await index.apply({ cursor: 7, sessions: [], hits: [], erased: ['sess-d'] });
      assert.deepEqual(await index.counts(), { sessions: 5, hits: 15 });

      await index.apply({ cursor: 7, sessions: [facts(B, { channel: 'kiosk', device: 'tablet', startedAt: T0 + 1000, endedAt: T0 + 61_000, activeMs: 10_000 })], hits: [] });
      assert.deepEqual(await ids(kw('terminal', 'branch-12')), [], 'a field missing from the update is cleared');
      assert.deepEqual(await ids(kw('channel', 'kiosk'), { customerLinkedOnly: true }), [B], 'still linked');
      assert.deepEqual(await ids(and(kw('channel', 'kiosk'), num('active', '=', 30_000))), [B], 'the longest activity stays');
      assert.deepEqual(await ids(text('typed', 'DE89 3704', { phrase: true })), [B], 'its hits stay');
    });

    it('replaces hits of a kind and erases a session whole', async () => {
      await index.apply({ cursor: 8, sessions: [], hits: [{ sessionId: B, hits: [hit('websocket', 1000, 'balance update 42')] }] });
      assert.deepEqual(await ids(text('ws', 'balance')), [B]);
      await index.apply({ cursor: 9, sessions: [], hits: [{ sessionId: B, hits: [hit('websocket', 1000, 'quote 7')] }], replaceKinds: [{ sessionId: B, kinds: ['websocket'] }] });
      assert.deepEqual(await ids(text('ws', 'balance')), []);
      assert.deepEqual(await ids(text('ws', 'quote')), [B]);
      await index.apply({ cursor: 10, sessions: [], hits: [], erased: [A] });
      assert.deepEqual(await ids(text('typed', 'alice')), []);
      assert.deepEqual(await index.matches(A, text(null, 'transfer')), []);
      assert.deepEqual(await index.counts(), { sessions: 4, hits: 8 });
      assert.equal(await index.cursor(), 10);
    });

    it('keeps its own bookkeeping, and resets to empty', async () => {
      await index.setMeta('reindex', 'from-3');
      assert.equal(await index.getMeta('reindex'), 'from-3');
      await index.setMeta('reindex', undefined);
      assert.equal(await index.getMeta('reindex'), undefined);
      await index.setMeta('reindex', 'from-4');
      await index.reset();
      assert.deepEqual(await index.counts(), { sessions: 0, hits: 0 });
      assert.equal(await index.cursor(), 0);
      assert.equal(await index.getMeta('reindex'), undefined);
      assert.equal((await index.search(and(), { limit: 10 })).total, 0);
      await index.apply({ cursor: 11, sessions: [facts('sess-after-reset')], hits: [{ sessionId: 'sess-after-reset', hits: [hit('text', 0, 'fresh start')] }] });
      assert.deepEqual(await ids(text('text', 'fresh')), ['sess-after-reset']);
      assert.equal(await index.cursor(), 11);
    });
  });
}
