/** A real LevelDB store with small recorded sessions, and the search index over it, for the index's own tests. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../../store/index';
import type { LevelStore } from '../../../store/level/level-store';
import { openSearch, type OpenedSearch, type OpenSearchOptions } from '../index';
import { Tree, batch, click, custom, full, input, meta } from './extract-fixtures';

export interface Bench {
  dir: string;
  store: LevelStore;
  keysDir: string;
  open(o?: Partial<OpenSearchOptions>): Promise<OpenedSearch>;
  close(): Promise<void>;
}

export async function bench(name: string): Promise<Bench> {
  const dir = await mkdtemp(path.join(tmpdir(), `verbatim-search-${name}-`));
  const keysDir = path.join(dir, 'keys');
  const store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  const opened: OpenedSearch[] = [];
  return {
    dir, store, keysDir,
    async open(o = {}) {
      const s = await openSearch({ dataDir: dir, keysDir, store, gatherMs: 0, log: () => undefined, ...o });
      opened.push(s);
      return s;
    },
    async close() {
      for (const s of opened) await s.close().catch(() => undefined);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A journey: a sign-in page showing `seen`, the customer types `typed` into the IBAN field, clicks Send, the page
 * logs an error, the transfer request answers 503. Two event batches, one capture. Times from `t0`.
 */
export async function recordJourney(store: LevelStore, id: string, t0: number, o: { seen: string; typed: string; channel?: 'proxy' | 'kiosk' }): Promise<void> {
  await store.createSession({ id, channel: o.channel ?? 'proxy', startedAt: t0, browser: 'Chrome 140', os: 'Linux', deviceType: 'desktop' });
  const t = new Tree();
  const iban = t.el('input', { name: 'iban', type: 'text' });
  const send = t.el('button', { id: 'send' }, 'Send money');
  const page = t.page('Transfer', t.el('p', {}, o.seen), t.el('form', {}, iban, send));
  const url = 'https://bank.example/payments/transfer';
  const b0 = { ...batch([meta(t0 + 10, url), full(t0 + 20, page.root)], { url, title: 'Transfer' }), sessionId: id };
  const b1 = {
    ...batch([input(t0 + 2_000, iban.id, o.typed), click(t0 + 3_000, send.id), custom(t0 + 3_100, 'verbatim:uncaught-error', { message: 'TypeError: transfer failed' })], { url, seq: 1 }),
    sessionId: id,
  };
  await store.appendEvents(b0);
  await store.appendEvents(b1);
  await store.putCapture({
    id: `${id}-c1`, sessionId: id, method: 'POST', url: 'https://bank.example/api/transfer', status: 503, headers: [],
    startedAt: t0 + 3_050, timing: { headersMs: 900, totalMs: 1_200 }, body: null,
  });
}

/** Every file under a directory, as bytes (the index, its WAL and shared memory). */
export async function filesUnder(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const file = path.join(e.parentPath, e.name);
      out.push({ file, bytes: await readFile(file) });
    }
  }
  return out;
}
