import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isVerbatimError } from '../../errors';
import type { CapturedResource, RecordedEvent } from '../../records';
import type { VerbatimStore } from '../../store';
import { batch, capture, event, rejectsWith, sessionInit, sha256, text, type StoreFactory } from './fixtures';

/** The core behaviour every backend must show: blobs, captures, sessions, events, WebSocket messages. */
export function describeCoreContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (core): ${name}`, () => {
    let store: VerbatimStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    describe('lifecycle', () => {
      it('rejects every operation with STORE_NOT_OPEN before open and after close', async () => {
        const { store: fresh, cleanup: freshCleanup } = await makeStore();
        const calls = (s: VerbatimStore): Promise<unknown>[] => [
          s.putBlob(new Uint8Array([1])),
          s.getBlob(sha256(new Uint8Array([1]))),
          s.hasBlob(sha256(new Uint8Array([1]))),
          s.putCapture(capture('https://x.example/', 1, null)),
          s.findCapture({ url: 'https://x.example/', at: 1 }),
          s.latestCapture('https://x.example/'),
          s.listCaptures('s'),
          s.createSession(sessionInit('s', 1)),
          s.getSession('s'),
          s.listSessions(),
          s.appendEvents(batch('s', 'p', 0, [event(1)])),
          s.readEvents('s'),
          s.readChanges(0),
          s.diskUsage(),
        ];
        const allRefused = async (): Promise<void> => {
          for (const result of await Promise.allSettled(calls(fresh))) {
            assert.equal(result.status, 'rejected');
            assert.ok(isVerbatimError(result.reason, 'STORE_NOT_OPEN'), String(result.reason));
          }
        };
        try {
          await allRefused();
          await fresh.open();
          await fresh.createSession(sessionInit('s', 1));
          await fresh.close();
          await allRefused();
          await fresh.close(); // closing twice is harmless
        } finally {
          await fresh.close();
          await freshCleanup();
        }
      });

      it('open is idempotent', async () => {
        await store.open();
        assert.equal(await store.hasBlob(sha256(new Uint8Array(0))), false);
      });

      it('close lets writes already under way finish', async () => {
        const put = store.putBlob(text(10_000), { compress: true });
        const created = store.createSession(sessionInit('closing', 5));
        await store.close();
        assert.equal(await put, sha256(text(10_000)));
        assert.equal((await created).id, 'closing');
      });
    });

    describe('blobs', () => {
      it('round-trips bytes under their SHA-256, compressed or not', async () => {
        for (const compress of [false, true, undefined]) {
          const bytes = text(3_000, compress === true ? 2 : 3);
          const digest = await store.putBlob(bytes, compress === undefined ? undefined : { compress });
          assert.equal(digest, sha256(bytes));
          assert.equal(await store.hasBlob(digest), true);
          assert.deepEqual(Buffer.from((await store.getBlob(digest))!), Buffer.from(bytes));
        }
      });

      it('stores the empty blob', async () => {
        const digest = await store.putBlob(new Uint8Array(0), { compress: true });
        assert.equal(digest, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
        const back = await store.getBlob(digest);
        assert.ok(back instanceof Uint8Array);
        assert.equal(back.byteLength, 0);
      });

      it('stores 5 MB blobs, text and binary', async () => {
        const binary = new Uint8Array(5 * 1024 * 1024);
        for (let i = 0; i < binary.length; i += 1) binary[i] = (i * 2654435761) >>> 24;
        for (const [bytes, compress] of [[text(5 * 1024 * 1024), true], [binary, false], [binary, true]] as const) {
          const digest = await store.putBlob(bytes, { compress });
          assert.equal(digest, sha256(bytes));
          const back = await store.getBlob(digest);
          assert.ok(back);
          assert.equal(back.byteLength, bytes.byteLength);
          assert.ok(Buffer.from(back).equals(Buffer.from(bytes)));
        }
      });

      it('is idempotent, also for concurrent puts and across compress hints', async () => {
        const bytes = text(20_000, 9);
        const digests = await Promise.all([
          ...Array.from({ length: 20 }, () => store.putBlob(bytes, { compress: true })),
          store.putBlob(bytes),
        ]);
        assert.ok(digests.every((d) => d === sha256(bytes)));
        assert.equal(await store.putBlob(bytes, { compress: false }), sha256(bytes));
        assert.ok(Buffer.from((await store.getBlob(sha256(bytes)))!).equals(Buffer.from(bytes)));
      });

      it('answers undefined/false for unknown or malformed digests', async () => {
        const unknown = sha256(new Uint8Array([42]));
        assert.equal(await store.getBlob(unknown), undefined);
        assert.equal(await store.hasBlob(unknown), false);
        assert.equal(await store.getBlob('not-a-digest'), undefined);
        assert.equal(await store.hasBlob('../etc/passwd'), false);
      });
    });

    describe('captures', () => {
      const URL = 'https://bank.example/app.js';

      beforeEach(async () => {
        for (const id of ['s', 's1', 's2', 's10', 'sess', 'mine', 'other']) await store.createSession(sessionInit(id, 1));
      });

      it('refuses a capture for a session that does not exist', async () => {
        await rejectsWith(store.putCapture(capture(URL, 10, null, 'ghost')), 'SESSION_UNKNOWN');
        assert.equal(await store.latestCapture(URL), undefined);
      });

      it('keeps a capture scoped to its session out of other sessions\' lookups', async () => {
        const d = await store.putBlob(text(40));
        await store.putCapture({ ...capture(URL, 100, d, 's1'), scope: 'session' });
        assert.equal((await store.findCapture({ url: URL, at: 200, sessionId: 's1' }))?.startedAt, 100);
        assert.equal(await store.findCapture({ url: URL, at: 200, sessionId: 's2' }), undefined);
        assert.equal(await store.latestCapture(URL), undefined);
      });

      it('reads one capture by id', async () => {
        const c = capture(URL, 100, null, 's1');
        await store.putCapture(c);
        assert.deepEqual(await store.getCapture('s1', c.id), c);
        assert.equal(await store.getCapture('s2', c.id), undefined);
      });

      it('refuses a capture whose body is not stored, accepts a bodiless one', async () => {
        await rejectsWith(store.putCapture(capture(URL, 10, sha256(new Uint8Array([9])))), 'BLOB_MISSING');
        assert.equal(await store.latestCapture(URL), undefined);
        const bodiless = { ...capture(URL, 11, null), status: 204 };
        await store.putCapture(bodiless);
        assert.deepEqual(await store.latestCapture(URL), bodiless);
      });

      it('round-trips the capture record exactly', async () => {
        const digest = await store.putBlob(text(100));
        const full: CapturedResource = {
          ...capture(URL, 1_700_000_000_123, digest, 'sess'),
          revalidatedFrom: 'cap-old',
          body: { digest, size: 100, encoding: 'gzip', truncated: true },
        };
        await store.putCapture(full);
        assert.deepEqual(await store.findCapture({ url: URL, at: 1_700_000_000_123, sessionId: 'sess' }), full);
        assert.deepEqual(await store.listCaptures('sess'), [full]);
      });

      it('finds in-session at/before, else in-session after, else any session at/before, else earliest after', async () => {
        const d = await store.putBlob(text(50));
        const early = capture(URL, 50, d); // no session
        const a = capture(URL, 100, d, 's1');
        const b = capture(URL, 200, d, 's2');
        const c = capture(URL, 300, d, 's2');
        for (const cap of [c, a, early, b]) await store.putCapture(cap);
        const find = async (at: number, sessionId?: string): Promise<string | undefined> =>
          (await store.findCapture({ url: URL, at, ...(sessionId !== undefined ? { sessionId } : {}) }))?.id;

        assert.equal(await find(250, 's1'), a.id, 'own session wins over a nearer capture');
        assert.equal(await find(250, 's2'), b.id);
        assert.equal(await find(250), b.id);
        assert.equal(await find(250, 'nobody'), b.id);
        assert.equal(await find(300, 's2'), c.id, 'at is inclusive');
        assert.equal(await find(299, 's2'), b.id);
        assert.equal(await find(100, 's2'), b.id, 'nothing in s2 yet: its own capture a little later, before other sessions\'');
        assert.equal(await find(99, 's1'), a.id);
        assert.equal(await find(100, 'nobody'), a.id, 'no own capture: any session at/before');
        assert.equal(await find(99, 'nobody'), early.id);
        assert.equal(await find(49.9, 'nobody'), early.id, 'nothing at/before: earliest after');
        assert.equal(await find(0), early.id);
        assert.equal(await find(10_000), c.id);
        assert.equal(await find(10_000, 's1'), a.id);
        assert.equal(await store.findCapture({ url: `${URL}x`, at: 250 }), undefined);
        assert.equal((await store.latestCapture(URL))?.id, c.id);
      });

      it('never confuses URLs that are prefixes of each other', async () => {
        const d = await store.putBlob(text(60));
        const base = 'https://bank.example/a';
        const others = [`${base}?b`, `${base}b`, `${base}/`, `${base}#x`, `${base}%00`];
        for (const [i, url] of others.entries()) await store.putCapture(capture(url, 500 + i, d, 's'));
        assert.equal(await store.findCapture({ url: base, at: 1_000, sessionId: 's' }), undefined);
        assert.equal(await store.findCapture({ url: base, at: 0 }), undefined);
        assert.equal(await store.latestCapture(base), undefined);

        const own = capture(base, 100, d, 's');
        await store.putCapture(own);
        assert.equal((await store.findCapture({ url: base, at: 1_000, sessionId: 's' }))?.id, own.id);
        assert.equal((await store.findCapture({ url: base, at: 1_000 }))?.id, own.id);
        assert.equal((await store.findCapture({ url: base, at: 0 }))?.id, own.id);
        assert.equal((await store.latestCapture(base))?.id, own.id);
        for (const url of others) assert.equal((await store.latestCapture(url))?.url, url);
      });

      it('keeps sessions apart even when one id prefixes another', async () => {
        const d = await store.putBlob(text(70));
        const inS1 = capture(URL, 100, d, 's1');
        const inS10 = capture(URL, 200, d, 's10');
        await store.putCapture(inS1);
        await store.putCapture(inS10);
        assert.equal((await store.findCapture({ url: URL, at: 300, sessionId: 's1' }))?.id, inS1.id);
        assert.deepEqual((await store.listCaptures('s1')).map((c) => c.id), [inS1.id]);
      });

      it('lists a session’s captures oldest first, and nothing for strangers', async () => {
        const d = await store.putBlob(text(80));
        const caps = [
          capture('https://bank.example/z', 300, d, 'mine'),
          capture('https://bank.example/a', 200, d, 'mine'),
          capture('https://bank.example/m', 100, null, 'mine'),
          capture('https://bank.example/a', 150, d, 'other'),
          capture('https://bank.example/a', 120, d),
        ];
        await Promise.all(caps.map((c) => store.putCapture(c)));
        assert.deepEqual((await store.listCaptures('mine')).map((c) => c.startedAt), [100, 200, 300]);
        assert.deepEqual(await store.listCaptures('nobody'), []);
      });

      it('rejects captures whose identifiers could break the key space', async () => {
        await rejectsWith(store.putCapture(capture('https://bank.example/\u0000', 1, null)), 'BAD_REQUEST');
        await rejectsWith(store.putCapture(capture('https://bank.example/', 1, null, 'a\u0000b')), 'BAD_REQUEST');
        await rejectsWith(store.putCapture({ ...capture('https://bank.example/', 1, null), startedAt: Number.NaN }), 'BAD_REQUEST');
      });
    });

    describe('sessions', () => {
      it('creates, reads and refuses a second session with the same id', async () => {
        const created = await store.createSession(sessionInit('s1', 1_000, { viewport: { width: 800, height: 600 } }));
        assert.deepEqual(created, {
          id: 's1', channel: 'proxy', startedAt: 1_000, endedAt: 1_000, userAgent: 'test-agent',
          viewport: { width: 800, height: 600 }, pages: [], eventCount: 0,
        });
        assert.deepEqual(await store.getSession('s1'), created);
        await rejectsWith(store.createSession(sessionInit('s1', 2_000)), 'BAD_REQUEST');
        assert.equal((await store.getSession('s1'))?.startedAt, 1_000);
        assert.equal(await store.getSession('s2'), undefined);
      });

      it('lets exactly one of two concurrent creates win', async () => {
        const results = await Promise.allSettled([
          store.createSession(sessionInit('race', 1)),
          store.createSession(sessionInit('race', 2)),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const loser = results.find((r) => r.status === 'rejected');
        assert.ok(loser && isVerbatimError(loser.reason, 'BAD_REQUEST'));
        assert.equal((await store.listSessions()).length, 1);
      });

      it('lists newest first, with limit and strictly-before paging', async () => {
        const starts = [5_000, 1_000, 3_000, 2_000, 4_000, 10_000_000_000_000];
        for (const [i, startedAt] of starts.entries()) await store.createSession(sessionInit(`s${i}`, startedAt));
        const all = await store.listSessions();
        assert.deepEqual(all.map((s) => s.startedAt), [10_000_000_000_000, 5_000, 4_000, 3_000, 2_000, 1_000]);
        assert.deepEqual((await store.listSessions({ limit: 2 })).map((s) => s.startedAt), [10_000_000_000_000, 5_000]);
        assert.deepEqual((await store.listSessions({ before: 4_000 })).map((s) => s.startedAt), [3_000, 2_000, 1_000]);
        assert.deepEqual((await store.listSessions({ before: 4_000, limit: 1 })).map((s) => s.id), ['s2']);
        assert.deepEqual(await store.listSessions({ before: 1_000 }), []);
        assert.deepEqual(await store.listSessions({ limit: 0 }), []);

        const paged: number[] = [];
        let before: number | undefined;
        for (;;) {
          const page = await store.listSessions({ limit: 2, ...(before !== undefined ? { before } : {}) });
          if (page.length === 0) break;
          paged.push(...page.map((s) => s.startedAt));
          before = page[page.length - 1]!.startedAt;
        }
        assert.deepEqual(paged, all.map((s) => s.startedAt));
      });

      it('lists sessions with their current state', async () => {
        await store.createSession(sessionInit('live', 100));
        await store.appendEvents(batch('live', 'p1', 0, [event(150), event(160)]));
        const [listed] = await store.listSessions();
        assert.equal(listed?.eventCount, 2);
        assert.equal(listed?.endedAt, 160);
      });

      it('pages with a cursor without skipping sessions that started in the same millisecond', async () => {
        for (let i = 0; i < 25; i += 1) await store.createSession(sessionInit(`same-${String(i).padStart(2, '0')}`, 7_000 + (i < 20 ? 0 : i)));
        const seen: string[] = [];
        let after: { startedAt: number; id: string } | undefined;
        for (;;) {
          const page = await store.listSessions({ limit: 4, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((s) => s.id));
          const last = page[page.length - 1]!;
          after = { startedAt: last.startedAt, id: last.id };
        }
        assert.equal(seen.length, 25);
        assert.equal(new Set(seen).size, 25);
      });

      it('rejects malformed session input', async () => {
        await rejectsWith(store.createSession(sessionInit('', 1)), 'BAD_REQUEST');
        await rejectsWith(store.createSession(sessionInit('a\u0000b', 1)), 'BAD_REQUEST');
        await rejectsWith(store.createSession(sessionInit('ok', -5)), 'BAD_REQUEST');
        await rejectsWith(store.listSessions({ limit: -1 }), 'BAD_REQUEST');
      });
    });

    describe('events', () => {
      beforeEach(async () => {
        await store.createSession(sessionInit('s', 1_000));
      });

      it('refuses batches for unknown sessions', async () => {
        await rejectsWith(store.appendEvents(batch('ghost', 'p', 0, [event(1)])), 'SESSION_UNKNOWN');
        await rejectsWith(store.readEvents('ghost'), 'SESSION_UNKNOWN');
      });

      it('updates endedAt, eventCount, pages and viewport', async () => {
        let session = await store.appendEvents(batch('s', 'p1', 0, [event(1_100, 4), event(1_300), event(1_200)], {
          page: { id: 'p1', url: 'https://bank.example/login', title: 'Login' },
          viewport: { width: 1280, height: 720 },
        }));
        assert.equal(session.endedAt, 1_300, 'max timestamp, not the last one');
        assert.equal(session.eventCount, 3);
        assert.deepEqual(session.pages, [{ id: 'p1', url: 'https://bank.example/login', title: 'Login', startedAt: 1_100 }]);
        assert.deepEqual(session.viewport, { width: 1280, height: 720 });

        session = await store.appendEvents(batch('s', 'p1', 1, [event(1_250)]));
        assert.equal(session.endedAt, 1_300, 'an older event does not move endedAt back');
        assert.equal(session.eventCount, 4);
        assert.equal(session.pages.length, 1);
        assert.deepEqual(session.viewport, { width: 1280, height: 720 }, 'viewport kept when not given');

        session = await store.appendEvents(batch('s', 'p2', 0, [event(2_000, 4), event(2_500)], {
          viewport: { width: 390, height: 844 },
        }));
        assert.equal(session.endedAt, 2_500);
        assert.equal(session.eventCount, 6);
        assert.deepEqual(session.pages.map((p) => [p.id, p.startedAt]), [['p1', 1_100], ['p2', 2_000]]);
        assert.deepEqual(session.viewport, { width: 390, height: 844 });
        assert.deepEqual(await store.getSession('s'), session);
      });

      it('ignores a resent batch (same session, page and seq)', async () => {
        const first = await store.appendEvents(batch('s', 'p1', 0, [event(1_100), event(1_200)]));
        const again = await store.appendEvents(batch('s', 'p1', 0, [event(1_100), event(1_200)]));
        assert.deepEqual(again, first);
        const otherPage = await store.appendEvents(batch('s', 'p2', 0, [event(1_300)]));
        assert.equal(otherPage.eventCount, 3, 'same seq on another page is a different batch');
        assert.equal((await store.readEvents('s')).length, 2);
      });

      it('loses nothing under 50 parallel appends, and stores parallel resends once', async () => {
        const batches = Array.from({ length: 50 }, (_, i) =>
          batch('s', `p${i % 5}`, Math.floor(i / 5), [event(2_000 + i), event(2_000 + i + 0.5)]));
        const resends = Array.from({ length: 10 }, () => batch('s', 'p0', 0, [event(2_000), event(2_000.5)]));
        await Promise.all([...batches, ...resends].map((b) => store.appendEvents(b)));
        const session = await store.getSession('s');
        assert.equal(session?.eventCount, 100);
        assert.equal(session?.endedAt, 2_049.5);
        assert.deepEqual(session?.pages.map((p) => p.id).sort(), ['p0', 'p1', 'p2', 'p3', 'p4']);
        const stored = await store.readEvents('s');
        assert.equal(stored.length, 50);
        assert.equal(stored.reduce((n, b) => n + b.events.length, 0), 100);
      });

      it('reads batches ordered by first event time, events untouched', async () => {
        const late = batch('s', 'p2', 0, [event(3_000, 2, { node: { id: 1, childNodes: [] } }), event(3_100)]);
        const early = batch('s', 'p1', 5, [event(1_500, 3, { text: 'héllo \u0000 \u{1F600}', nested: [1, null, true] })]);
        const middle = batch('s', 'p1', 6, [event(2_000)], { viewport: { width: 1, height: 2 } });
        for (const b of [late, early, middle]) await store.appendEvents(b);
        assert.deepEqual(await store.readEvents('s'), [early, middle, late]);
      });

      it('keeps each session’s events to itself', async () => {
        await store.createSession(sessionInit('s0', 1_000));
        await store.createSession(sessionInit('s00', 1_000));
        await store.appendEvents(batch('s0', 'p', 0, [event(1_100)]));
        await store.appendEvents(batch('s00', 'p', 0, [event(1_050)]));
        assert.deepEqual((await store.readEvents('s0')).map((b) => b.sessionId), ['s0']);
        assert.deepEqual(await store.readEvents('s'), []);
      });

      it('round-trips a large batch', async () => {
        const events = Array.from({ length: 5_000 }, (_, i) => event(1_000 + i, 3, { source: 1, positions: [{ x: i, y: i * 2 }] }));
        const big = batch('s', 'p', 0, events);
        assert.equal((await store.appendEvents(big)).eventCount, 5_000);
        assert.deepEqual(await store.readEvents('s'), [big]);
      });

      it('rejects malformed batches', async () => {
        await rejectsWith(store.appendEvents(batch('s', 'p', -1, [event(1)])), 'BAD_REQUEST');
        await rejectsWith(store.appendEvents(batch('s', 'p\u0000', 0, [event(1)])), 'BAD_REQUEST');
        await rejectsWith(store.appendEvents({ ...batch('s', 'p', 0, []), events: [{ type: 1 } as unknown as RecordedEvent] }), 'BAD_REQUEST');
        assert.equal((await store.getSession('s'))?.eventCount, 0);
      });
    });

    describe('page context', () => {
      it('keeps the context sent with a page\'s first upload on its PageView, even when it arrives late', async () => {
        await store.createSession(sessionInit('ctx-session', 1_000));
        const context = { url: 'https://bank.test/', source: { kind: 'direct' as const }, timeZone: 'Europe/Zurich', clientIp: '192.0.2.1' };
        const page = { id: 'p1', url: 'https://bank.test/' };
        await store.appendEvents({ sessionId: 'ctx-session', page, seq: 1, events: [event(2_000)], receivedAt: 2_100 });
        await store.appendEvents({ sessionId: 'ctx-session', page, seq: 0, events: [event(1_500)], receivedAt: 2_200, context });
        await store.appendEvents({ sessionId: 'ctx-session', page: { id: 'p2', url: 'https://bank.test/b' }, seq: 0, events: [event(3_000)], receivedAt: 3_100, context: { ...context, url: 'https://bank.test/b' } });
        const session = await store.getSession('ctx-session');
        assert.deepEqual(session?.pages.map((p) => p.context?.url), ['https://bank.test/', 'https://bank.test/b']);
        assert.equal(session?.pages[0]!.context?.clientIp, '192.0.2.1');
      });
    });

    describe('WebSocket messages', () => {
      it('keeps a session\'s messages in time order, replaces a resent one, and refuses bad ones', async () => {
        await store.createSession(sessionInit('ws-session', 1_000));
        const base = { sessionId: 'ws-session', socketId: 'sock1', url: 'wss://bank.test/live', encoding: 'utf8' as const, truncated: false };
        await store.putWebSocketMessages([
          { ...base, seq: 1, direction: 'received', at: 2_000, kind: 'text', size: 4, data: 'pong' },
          { ...base, seq: 0, direction: 'sent', at: 1_500, kind: 'text', size: 4, data: 'ping' },
        ]);
        await store.putWebSocketMessages([{ ...base, seq: 0, direction: 'sent', at: 1_500, kind: 'text', size: 4, data: 'ping' }]);
        await store.createSession(sessionInit('other', 1_000));
        await store.putWebSocketMessages([{ ...base, sessionId: 'other', seq: 0, direction: 'sent', at: 1_600, kind: 'binary', size: 2, data: 'AAE=', encoding: 'base64' }]);
        const list = await store.listWebSocketMessages('ws-session');
        assert.deepEqual(list.map((m) => [m.seq, m.direction, m.data]), [[0, 'sent', 'ping'], [1, 'received', 'pong']]);
        await rejectsWith(store.putWebSocketMessages([{ ...base, seq: -1, direction: 'sent', at: 1, kind: 'text', size: 0, data: '' }]), 'BAD_REQUEST');
      });
    });

    describe('diskUsage', () => {
      it('reports a non-negative byte count', async () => {
        await store.putBlob(text(10_000));
        const bytes = await store.diskUsage();
        assert.ok(Number.isFinite(bytes) && bytes >= 0);
      });
    });
  });
}
