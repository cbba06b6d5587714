/**
 * A long recorded session, generated (an hour of a real browser would be an hour): rrweb events as the recorder
 * uploads them, for the time-to-first-frame bench (scripts/bench/first-frame.ts) and the deep-link test.
 * A bank page of statement rows and a transfer form per page load; every third of a second something happens
 * (pointer moves, scrolls, clicks, typing, a cell's text changing, a row added); a clock (`#clock`) whose text
 * changes every 10 s tells which moment a replay shows; the recorder's checkout (a Meta marked `checkout` and a
 * fresh full snapshot) every `checkoutEveryMs`. Written through the store API in uploads of about 40 events,
 * numbered per page as the recorder numbers them.
 */
import type { RecordedEvent } from '../../store/records';
import type { VerbatimStore } from '../../store/store';

export interface LongSessionOptions {
  sessionId: string;
  start: number;
  durationMs: number;
  /** A new page load this often. */
  pageEveryMs: number;
  /** The recorder's checkout this often (recorder/: CHECKOUT_EVERY_MS is 5 minutes). */
  checkoutEveryMs: number;
  /** Statement rows per page (about 10 nodes each). */
  rows?: number;
  origin?: string;
}

export interface LongSession {
  eventCount: number;
  first: number;
  last: number;
  /** When each clock text was set: [time, text], time ordered. */
  ticks: [number, string][];
  /** Page loads (non-checkout Metas): their times. */
  pageLoads: number[];
  checkouts: number[];
}

const TICK_MS = 10_000;
const STEP_MS = 333;
const VIEWPORT = { width: 1280, height: 800 };

/** A small deterministic generator: the same session on every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

interface PageState {
  url: string;
  ids: { doc: number; tbody: number; clockText: number; inputs: number[]; cells: number[]; buttons: number[] };
  clock: string;
  values: Map<number, string>;
  cellText: Map<number, string>;
  added: { id: number; text: string }[];
  nextId: number;
  rows: number;
}

type Node = Record<string, unknown>;

/** The page as rrweb serialises it (rrweb-snapshot's node types: 0 document, 1 doctype, 2 element, 3 text). */
function snapshotOf(p: PageState, index: number): Node {
  let id = 0;
  const el = (tagName: string, attributes: Record<string, string>, ...childNodes: Node[]): Node => ({ type: 2, tagName, attributes, childNodes, id: ++id });
  const text = (textContent: string): Node => ({ type: 3, textContent, id: ++id });
  const cells: number[] = [];
  const inputs: number[] = [];
  const buttons: number[] = [];
  const head = el('head', {}, el('title', {}, text(`Accounts ${index}`)),
    el('style', {}, text('body{font:15px sans-serif;margin:24px;background:#fff url(/img/bg.png)} td{padding:2px 8px} .neg{color:#a00}')),
    el('link', { rel: 'stylesheet', href: '/css/bank.css' }));
  const form = el('form', { id: 'transfer' }, ...['iban', 'amount', 'reference', 'memo'].map((name) => {
    const input = el('input', { name, id: name, type: 'text', value: p.values.get(-1) ?? '' });
    inputs.push(input.id as number);
    return el('label', {}, text(`${name} `), input);
  }), (() => { const b = el('button', { type: 'button', id: 'send' }, text('Send')); buttons.push(b.id as number); return b; })());
  const rows: Node[] = [];
  for (let r = 0; r < p.rows; r++) {
    const tds = [`2026-11-${String(1 + (r % 28)).padStart(2, '0')}`, `Card payment ${r} ref ${(r * 7919) % 100000}`, `${((r * 37) % 500) - 250}.${r % 100} EUR`, `${(r * 131) % 9000} EUR`]
      .map((t, c) => el('td', c === 2 && t.startsWith('-') ? { class: 'neg' } : {}, text(t)));
    for (const td of tds) cells.push(((td.childNodes as Node[])[0]!).id as number);
    rows.push(el('tr', {}, ...tds));
  }
  const tbody = el('tbody', {}, ...rows);
  const clockText = text(p.clock);
  const body = el('body', {},
    el('h1', { id: 'page' }, text(`Page ${index}: ${p.url}`)),
    el('p', {}, text('Time on the page: '), el('span', { id: 'clock' }, clockText)),
    el('img', { src: '/img/logo.png', alt: 'Bank' }),
    form,
    el('table', { id: 'statement' }, tbody));
  const html = el('html', { lang: 'en' }, head, body);
  const doc = { type: 0, childNodes: [{ type: 1, name: 'html', publicId: '', systemId: '', id: ++id }, html], id: ++id };
  // Ids as a recorder's mirror keeps them: the same for the same node at every checkout of the page.
  if (!p.ids.cells.length) {
    p.ids = { doc: doc.id, tbody: tbody.id as number, clockText: clockText.id as number, inputs, cells, buttons };
    p.nextId = id + 1;
  }
  // State since the page loaded: typed values, changed cells, added rows.
  const fill = (n: Node): void => {
    if (n.type === 2 && p.values.has(n.id as number)) (n.attributes as Record<string, string>).value = p.values.get(n.id as number)!;
    if (n.type === 3 && p.cellText.has(n.id as number)) n.textContent = p.cellText.get(n.id as number);
    for (const c of (n.childNodes as Node[] | undefined) ?? []) fill(c);
  };
  fill(doc);
  for (const a of p.added) (tbody.childNodes as Node[]).push(addedRow(a.id, a.text));
  return doc;
}

function addedRow(id: number, text: string): Node {
  return { type: 2, tagName: 'tr', attributes: { class: 'new' }, id, childNodes: [{ type: 2, tagName: 'td', attributes: {}, id: id + 1, childNodes: [{ type: 3, textContent: text, id: id + 2 }] }] };
}

/** Generates the session and writes it; returns what a replay of it must show when. */
export async function storeLongSession(store: VerbatimStore, o: LongSessionOptions): Promise<LongSession> {
  const random = rng(7);
  const origin = o.origin ?? 'https://bank.example';
  const out: LongSession = { eventCount: 0, first: o.start, last: o.start, ticks: [], pageLoads: [], checkouts: [] };
  await store.createSession({ id: o.sessionId, channel: 'proxy', startedAt: o.start, browser: 'Chromium', os: 'Linux', deviceType: 'desktop' });
  let page: PageState | undefined;
  let pageIndex = 0;
  let pageId = '';
  let seq = 0;
  let pending: RecordedEvent[] = [];
  let clock = 'tick-0';
  let tickN = 0;
  const flush = async (): Promise<void> => {
    if (!pending.length || !page) return;
    await store.appendEvents({ sessionId: o.sessionId, page: { id: pageId, url: page.url, title: `Accounts ${pageIndex}` }, seq: seq++, viewport: VIEWPORT, events: pending, receivedAt: pending[pending.length - 1]!.timestamp });
    out.eventCount += pending.length;
    out.last = pending[pending.length - 1]!.timestamp;
    pending = [];
  };
  const push = (e: RecordedEvent): void => {
    pending.push(e);
  };
  const snapshot = (t: number, checkout: boolean): void => {
    push({ type: 4, data: { href: page!.url, width: VIEWPORT.width, height: VIEWPORT.height, ...(checkout ? { checkout: true } : {}) }, timestamp: t });
    push({ type: 2, data: { node: snapshotOf(page!, pageIndex), initialOffset: { left: 0, top: 0 } }, timestamp: t });
    (checkout ? out.checkouts : out.pageLoads).push(t);
  };
  let nextPage = o.start;
  let nextCheckout = Infinity;
  let nextTick = o.start + TICK_MS;
  for (let t = o.start; t <= o.start + o.durationMs; t += STEP_MS) {
    if (t >= nextPage) {
      await flush();
      pageIndex++;
      pageId = `page-${pageIndex}`;
      seq = 0;
      page = { url: `${origin}/accounts/${pageIndex}?tab=statement`, ids: { doc: 0, tbody: 0, clockText: 0, inputs: [], cells: [], buttons: [] }, clock, values: new Map(), cellText: new Map(), added: [], nextId: 0, rows: o.rows ?? 150 };
      snapshot(t, false);
      out.ticks.push([t, clock]);
      nextPage = t + o.pageEveryMs;
      nextCheckout = t + o.checkoutEveryMs;
      continue;
    }
    const p = page!;
    if (t >= nextCheckout) {
      snapshot(t, true);
      nextCheckout = t + o.checkoutEveryMs;
      continue;
    }
    if (t >= nextTick) {
      clock = `tick-${++tickN}`;
      p.clock = clock;
      push({ type: 3, data: { source: 0, texts: [{ id: p.ids.clockText, value: clock }], attributes: [], removes: [], adds: [] }, timestamp: t });
      out.ticks.push([t, clock]);
      nextTick += TICK_MS;
      continue;
    }
    const x = Math.floor(random() * VIEWPORT.width);
    const y = Math.floor(random() * VIEWPORT.height);
    const kind = random();
    if (kind < 0.4) {
      push({ type: 3, data: { source: 1, positions: [0, 1, 2].map((k) => ({ x: x + k * 3, y: y + k * 2, id: p.ids.tbody, timeOffset: -100 + k * 50 })) }, timestamp: t });
    } else if (kind < 0.5) {
      push({ type: 3, data: { source: 3, id: p.ids.doc, x: 0, y: Math.floor(random() * 2000) }, timestamp: t });
    } else if (kind < 0.65) {
      const id = p.ids.inputs[Math.floor(random() * p.ids.inputs.length)]!;
      const text = `${p.values.get(id) ?? ''}${Math.floor(random() * 10)}`.slice(-12);
      p.values.set(id, text);
      push({ type: 3, data: { source: 5, id, text, isChecked: false }, timestamp: t });
    } else if (kind < 0.7) {
      push({ type: 3, data: { source: 2, type: 2, id: p.ids.buttons[0]!, x, y }, timestamp: t });
    } else if (kind < 0.95 || p.added.length >= 40) {
      const id = p.ids.cells[Math.floor(random() * p.ids.cells.length)]!;
      const value = `${Math.floor(random() * 100000) / 100} EUR`;
      p.cellText.set(id, value);
      push({ type: 3, data: { source: 0, texts: [{ id, value }], attributes: [], removes: [], adds: [] }, timestamp: t });
    } else {
      const id = p.nextId;
      p.nextId += 3;
      const text = `Pending transfer ${id}`;
      p.added.push({ id, text });
      push({ type: 3, data: { source: 0, texts: [], attributes: [], removes: [], adds: [{ parentId: p.ids.tbody, nextId: null, node: addedRow(id, text) }] }, timestamp: t });
    }
    if (pending.length >= 40) await flush();
  }
  await flush();
  return out;
}

/** The clock text a replay shows at `at` (epoch ms): the last one set at or before it. */
export function clockAt(session: LongSession, at: number): string {
  let text = session.ticks[0]![1];
  for (const [t, v] of session.ticks) if (t <= at) text = v;
  return text;
}
