/** Request, WebSocket and error hits, and the session's facts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedResource, Session, WebSocketMessage } from '../../../store/records';
import { createSessionExtractor, limits } from '../extract/index';
import { batch, click, custom, full, input, meta, mouseMove, strip, Tree } from './extract-fixtures';

function capture(over: Partial<CapturedResource>): CapturedResource {
  return {
    id: 'c1', sessionId: 's1', method: 'GET', url: 'https://api.bank.example/v1/accounts?customer=123456', status: 200,
    headers: [], startedAt: 5_000, timing: { headersMs: 40, totalMs: 120.4 }, body: null, ...over,
  };
}

function ws(over: Partial<WebSocketMessage>): WebSocketMessage {
  return {
    sessionId: 's1', socketId: 'k1', seq: 0, url: 'wss://live.bank.example/quotes?token=abc', direction: 'received', at: 100,
    kind: 'text', size: 2, data: '{}', encoding: 'utf8', truncated: false, ...over,
  };
}

describe('request', () => {
  it('has method, host, path without query, status and duration; the query string is nowhere', () => {
    const hits = createSessionExtractor().capture(capture({}));
    assert.deepEqual(hits, [{
      kind: 'request', at: 5_000, text: 'GET api.bank.example/v1/accounts 200', field: 'GET api.bank.example/v1/accounts',
      host: 'api.bank.example', path: '/v1/accounts', method: 'GET', status: 200, durationMs: 120,
    }]);
    assert.ok(!JSON.stringify(hits).includes('123456'));
  });

  it('says when a response failed or was cut off, and skips Verbatim\'s own and malformed captures', () => {
    const x = createSessionExtractor();
    assert.deepEqual(x.capture(capture({ method: 'post', url: 'http://127.0.0.1:9/pay', status: 500, statusText: 'Internal Server Error' }))[0]!.text,
      'POST 127.0.0.1:9/pay 500 Internal Server Error');
    assert.deepEqual(x.capture(capture({ status: 200, incomplete: { reason: 'upstream-aborted' } }))[0]!.text, 'GET api.bank.example/v1/accounts 200 upstream-aborted');
    assert.deepEqual(x.capture(capture({ method: 'G E T<script>' }))[0]!.method, 'OTHER');
    assert.deepEqual(x.capture(capture({ url: 'https://bank.example/__verbatim/events' })), []);
    assert.deepEqual(x.capture(capture({ url: 'not a url' })), []);
    assert.deepEqual(x.capture(capture({ startedAt: Number.NaN })), []);
    assert.deepEqual(x.capture(null as unknown as CapturedResource), []);
    const noTiming = x.capture(capture({ timing: undefined as unknown as CapturedResource['timing'] }))[0]!;
    assert.equal('durationMs' in noTiming, false);
  });
});

describe('websocket', () => {
  it('gives one hit per endpoint per session, at its first message', () => {
    const x = createSessionExtractor();
    assert.deepEqual(x.websocket([
      ws({ at: 300, seq: 1 }), ws({ at: 200, seq: 0, url: 'wss://live.bank.example/quotes?token=other' }),
      ws({ at: 250, socketId: 'k2', url: 'wss://chat.bank.example/agent' }), ws({ at: Number.NaN, url: 'wss://x.example/' }),
      null as unknown as WebSocketMessage,
    ]), [
      { kind: 'websocket', at: 200, text: 'wss://live.bank.example/quotes', host: 'live.bank.example', path: '/quotes' },
      { kind: 'websocket', at: 250, text: 'wss://chat.bank.example/agent', host: 'chat.bank.example', path: '/agent' },
    ]);
    assert.deepEqual(x.websocket([ws({ at: 50, socketId: 'k3' })]), []);
    assert.deepEqual(x.websocket('junk' as unknown as WebSocketMessage[]), []);
  });
});

describe('error', () => {
  it('comes from console errors and uncaught errors, with the real moment of early ones', () => {
    const x = createSessionExtractor();
    const hits = x.batch(batch([
      custom(10, 'verbatim:console-error', { message: 'Payment failed: 500', stack: 'at pay()' }),
      custom(20, 'verbatim:uncaught-error', { message: 'TypeError: x is undefined', source: 'app.js', line: 3 }),
      custom(30, 'verbatim:uncaught-error', { message: 'Error: timeout', rejection: true }),
      custom(40, 'verbatim:console-error', { message: 'before the recorder', time: 5 }),
      custom(50, 'verbatim:recorder-failure', { message: 'not a page error' }),
      custom(60, 'verbatim:console-error', { message: 42 }),
      custom(70, 'verbatim:console-error', { message: 'E'.repeat(limits.MAX_HIT_TEXT + 100) }),
    ]));
    const errors = strip(hits).filter((h) => h.kind === 'error');
    assert.deepEqual(errors.slice(0, 4), [
      { kind: 'error', at: 10, text: 'Payment failed: 500', field: 'console.error' },
      { kind: 'error', at: 20, text: 'TypeError: x is undefined', field: 'uncaught error' },
      { kind: 'error', at: 30, text: 'Error: timeout', field: 'unhandled rejection' },
      { kind: 'error', at: 5, text: 'before the recorder', field: 'console.error' },
    ]);
    assert.equal(errors.length, 5);
    assert.equal(errors[4]!.text.length, limits.MAX_HIT_TEXT);
    assert.ok(hits.filter((h) => h.kind === 'error').every((h) => h.pageId === 'p1'));
  });
});

describe('facts', () => {
  const session: Session = {
    id: 's1', channel: 'kiosk', startedAt: 1_000, endedAt: 200_000, terminalId: 'branch-7', browser: 'Chrome 131',
    os: 'Android 14', deviceType: 'tablet', eventCount: 10,
    pages: [
      { id: 'p1', url: 'https://bank.example/login?next=/x', startedAt: 1_000 },
      { id: 'p2', url: 'https://bank.example/accounts', startedAt: 50_000, context: { url: 'https://bank.example/accounts', viewport: { width: 1280, height: 800 } } },
    ],
  };

  it('come from the session record and the events seen', () => {
    const x = createSessionExtractor();
    const a = new Tree();
    const field = a.el('input', { name: 'q' });
    x.batch(batch([
      full(1_000, a.page('T', field).root),
      // Activity: 1 s of pointer moves, a 100 s pause (counted as 30 s), a click 0.5 s later, typing 2 s later.
      mouseMove(2_000), mouseMove(2_500), mouseMove(3_000), click(103_000, field.id), click(103_500, field.id), input(105_500, field.id, 'x'),
    ], { url: 'https://bank.example/login?next=/x' }));
    // A later page URL the session record does not know yet (a Meta event).
    x.batch(batch([meta(150_000, 'https://bank.example/logout?bye=1')], { page: 'p3', url: 'https://bank.example/logout' }));
    assert.deepEqual(x.facts(session), {
      channel: 'kiosk', terminal: 'branch-7', browser: 'Chrome 131', os: 'Android 14', device: 'tablet',
      viewport: { width: 1280, height: 800 }, entryUrl: 'https://bank.example/login', exitUrl: 'https://bank.example/logout',
      pageCount: 2, durationMs: 199_000, activeMs: 1_000 + limits.ACTIVE_GAP_CAP_MS + 500 + 2_000, startedAt: 1_000, endedAt: 200_000,
    });
  });

  it('leave out a device that is neither mobile, tablet nor desktop, and survive a malformed record', () => {
    const x = createSessionExtractor();
    assert.equal(x.facts({ ...session, deviceType: 'bot' }).device, undefined);
    const facts = x.facts({ id: 's', channel: 'nope', startedAt: 'x', pages: 'y' } as unknown as Session);
    assert.deepEqual(facts, { channel: 'proxy', pageCount: 0, durationMs: 0, activeMs: 0, startedAt: 0, endedAt: 0 });
  });
});
