/**
 * GET /api/sessions/:id/live over a real LevelDB store and the real viewer (open mode): the snapshot is exactly what
 * /events serves, new batches follow from the change feed, Last-Event-ID resumes with what was missed, the per-session
 * limit, the idle end, and a client that stops reading is cut off with a reason instead of growing memory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { startViewer, type Viewer } from '../server';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import type { RecordedEvent } from '../../store/records';

const SID = 'l1ve7k4m5n6p7r8s9t2v3w4x5y';
const T0 = Date.now();
const doc = { type: 0, id: 1, childNodes: [{ type: 2, id: 2, tagName: 'html', attributes: {}, childNodes: [
  { type: 2, id: 3, tagName: 'head', attributes: {}, childNodes: [] },
  { type: 2, id: 4, tagName: 'body', attributes: { onload: 'alert(1)' }, childNodes: [{ type: 2, id: 5, tagName: 'img', attributes: { src: '/logo.png' }, childNodes: [] }] },
] }] };

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let seq = 0;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-live-stream-'));
  // Keys, so that erasure (which signs a tombstone) works.
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir: path.join(dir, 'keys'), keyringDir: path.join(dir, 'keys', 'keyring'), sealIntervalMs: 0 } });
  await store.createSession({ id: SID, channel: 'proxy', startedAt: T0 });
  await append([
    { type: 4, timestamp: T0 + 1, data: { href: 'https://bank.example/', width: 800, height: 600 } },
    { type: 2, timestamp: T0 + 2, data: { node: doc, initialOffset: { top: 0, left: 0 } } },
  ]);
  viewer = await startViewer({ store, uiDir: dir, live: { perSession: 2, idleMs: 60_000, bufferBytes: 64 * 1024 } });
});

after(async () => {
  await viewer?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function append(events: RecordedEvent[]): Promise<unknown> {
  return store.appendEvents({ sessionId: SID, page: { id: 'p1', url: 'https://bank.example/' }, seq: seq++, receivedAt: Date.now(), events });
}

/** An attribute change on the img: rewritten to the archive by the live stream too. */
const srcChange = (n: number): RecordedEvent => ({
  type: 3, timestamp: T0 + 100 + n, data: { source: 0, adds: [], removes: [], texts: [], attributes: [{ id: 5, attributes: { src: `/img-${n}.png` } }] },
});

interface Message { id?: string; event: string; data: unknown }

/** Reads SSE messages from a fetch response; `until` sees every message read so far. */
class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  readonly messages: Message[] = [];

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  async until(done: (m: Message[]) => boolean): Promise<Message[]> {
    while (!done(this.messages)) {
      const { value, done: ended } = await this.reader.read();
      if (ended) break;
      this.buffer += this.decoder.decode(value, { stream: true });
      let cut;
      while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, cut);
        this.buffer = this.buffer.slice(cut + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (fields.event) this.messages.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data ?? 'null') });
      }
    }
    return this.messages;
  }
}

it('sends the snapshot exactly as /events rewrites it, then new batches from the change feed, then resumes by Last-Event-ID', async () => {
  const replay = await (await fetch(`${viewer.url}/api/sessions/${SID}/events`)).json() as { events: RecordedEvent[] };
  const ac = new AbortController();
  const res = await fetch(`${viewer.url}/api/sessions/${SID}/live`, { signal: ac.signal });
  assert.equal(res.status, 200);
  const sse = new SseReader(res);
  const first = await sse.until((m) => m.length >= 1);
  const snap = first[0]!.data as { events: RecordedEvent[]; keys: string[]; track: number; tracks: unknown[] };
  assert.equal(first[0]!.event, 'snapshot');
  assert.deepEqual(snap.events, replay.events, 'the same rewritten events as /events');
  assert.deepEqual(snap.keys, ['p1:0']);
  assert.ok(!JSON.stringify(snap.events).includes('alert(1)'), 'event handlers are dropped');
  assert.equal(viewer.live.watching(SID), true);

  await append([srcChange(1)]);
  const next = await sse.until((m) => m.some((x) => x.event === 'batch'));
  const batch = next.find((m) => m.event === 'batch')!;
  const data = batch.data as { key: string; events: { data: { attributes: { attributes: { src: string } }[] } }[] };
  assert.equal(data.key, 'p1:1');
  assert.match(data.events[0]!.data.attributes[0]!.attributes.src, new RegExp(`^/archive/${SID}/\\d+/https://bank\\.example/img-1\\.png$`));
  const lastId = batch.id!;
  ac.abort();
  await waitUntil(() => !viewer.live.watching(SID));

  // Missed while away: two batches. A resume sends exactly those, as batches, after an empty snapshot.
  await append([srcChange(2)]);
  await append([srcChange(3)]);
  const ac2 = new AbortController();
  const resumed = await fetch(`${viewer.url}/api/sessions/${SID}/live`, { headers: { 'last-event-id': lastId }, signal: ac2.signal });
  const msgs = await new SseReader(resumed).until((m) => m.filter((x) => x.event === 'batch').length >= 2);
  assert.equal(msgs[0]!.event, 'snapshot');
  assert.deepEqual((msgs[0]!.data as { events: unknown[]; resumed: boolean }).events, []);
  assert.equal((msgs[0]!.data as { resumed: boolean }).resumed, true);
  assert.deepEqual(msgs.filter((m) => m.event === 'batch').map((m) => (m.data as { key: string }).key), ['p1:2', 'p1:3']);
  ac2.abort();
  await waitUntil(() => !viewer.live.watching(SID));
});

it('limits live viewers per session (429) and refuses a malformed Last-Event-ID (400)', async () => {
  const controllers = [new AbortController(), new AbortController()];
  for (const ac of controllers) assert.equal((await fetch(`${viewer.url}/api/sessions/${SID}/live`, { signal: ac.signal })).status, 200);
  const third = await fetch(`${viewer.url}/api/sessions/${SID}/live`);
  assert.equal(third.status, 429);
  assert.equal(((await third.json()) as { error: { code: string } }).error.code, 'THROTTLED');
  for (const ac of controllers) ac.abort();
  await waitUntil(() => !viewer.live.watching(SID));
  const bad = await fetch(`${viewer.url}/api/sessions/${SID}/live`, { headers: { 'last-event-id': 'x1' } });
  assert.equal(bad.status, 400);
});

it('cuts off a client that stops reading, with the reason, instead of buffering without bound', async () => {
  const { port } = new URL(viewer.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(`GET /api/sessions/${SID}/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  socket.pause();
  await waitUntil(() => viewer.live.watching(SID));
  // 256 KiB batches until the server gives up on this reader (the kernel's socket buffers absorb the first MBs).
  const big = 'x'.repeat(256 * 1024);
  for (let n = 0; n < 200 && viewer.live.watching(SID); n++) {
    await append([{ type: 5, timestamp: T0 + 1000 + n, data: { tag: 'filler', payload: big } }]);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(viewer.live.watching(SID), false, 'the slow client was detached');
  let received = '';
  socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1'); });
  socket.resume();
  await new Promise((r) => socket.once('close', r));
  // The last chunk before the chunked body's terminator is the end message.
  assert.match(received, /event: end\ndata: \{"reason":"slow-client"\}\n\n\r\n0\r\n\r\n$/, `ends with the reason: …${received.slice(-80)}`);
});

it('ends with `idle` when no batch comes, and with `erased` when the session is erased', async () => {
  const quiet = await startViewer({ store, uiDir: dir, live: { idleMs: 300 } });
  try {
    const idle = await new SseReader(await fetch(`${quiet.url}/api/sessions/${SID}/live`)).until((m) => m.some((x) => x.event === 'end'));
    assert.deepEqual(idle.map((m) => m.event), ['snapshot', 'end']);
    assert.deepEqual(idle[1]!.data, { reason: 'idle' });

    const other = 'e7ase7k4m5n6p7r8s9t2v3w4x5';
    await store.createSession({ id: other, channel: 'proxy', startedAt: Date.now() });
    await store.appendEvents({ sessionId: other, page: { id: 'q1', url: 'https://bank.example/' }, seq: 0, receivedAt: Date.now(), events: [
      { type: 4, timestamp: Date.now(), data: { href: 'https://bank.example/', width: 800, height: 600 } },
    ] });
    const res = await fetch(`${viewer.url}/api/sessions/${other}/live`);
    const sse = new SseReader(res);
    await sse.until((m) => m.length >= 1);
    await store.eraseSession(other, { reason: 'test' });
    const erased = await sse.until((m) => m.some((x) => x.event === 'end'));
    assert.deepEqual(erased.at(-1)!.data, { reason: 'erased' });
  } finally {
    await quiet.close();
  }
});

async function waitUntil(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
