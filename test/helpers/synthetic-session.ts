/**
 * A small replayable session written straight into a store (no browser, no proxy): a Meta event, one full snapshot of
 * a tiny page and a mouse move at the end, `durationMs` long. For viewer tests that need a player, not a recording's
 * fidelity (those record in Chromium: replay-viewer/test/player-journey.ts).
 */
import type { RecordedEvent } from '../../store/records';
import type { VerbatimStore } from '../../store/store';

export async function storeSyntheticSession(store: VerbatimStore, opts: { id: string; startedAt: number; durationMs: number; url?: string; customerId?: string }): Promise<void> {
  const url = opts.url ?? 'https://bank.example/accounts';
  const t = opts.startedAt;
  const el = (id: number, tagName: string, childNodes: unknown[], attributes: Record<string, string> = {}) => ({ type: 2, tagName, attributes, childNodes, id });
  const events: RecordedEvent[] = [
    { type: 4, timestamp: t, data: { href: url, width: 1280, height: 800 } },
    { type: 2, timestamp: t + 1, data: { initialOffset: { left: 0, top: 0 }, node: { type: 0, id: 1, childNodes: [
      { type: 1, name: 'html', publicId: '', systemId: '', id: 2 },
      el(3, 'html', [
        el(4, 'head', [el(5, 'title', [{ type: 3, textContent: 'Accounts', id: 6 }])]),
        el(7, 'body', [el(8, 'h1', [{ type: 3, textContent: 'Your accounts', id: 9 }]), el(10, 'button', [{ type: 3, textContent: 'Continue', id: 11 }], { type: 'button' })]),
      ], { lang: 'en' }),
    ] } } },
    { type: 3, timestamp: t + opts.durationMs, data: { source: 1, positions: [{ x: 20, y: 20, id: 10, timeOffset: 0 }] } },
  ];
  await store.createSession({ id: opts.id, channel: 'proxy', startedAt: t });
  await store.appendEvents({ sessionId: opts.id, page: { id: 'p1', url, title: 'Accounts' }, seq: 0, receivedAt: t + opts.durationMs, events });
  if (opts.customerId) await store.linkCustomer({ sessionId: opts.id, customerId: opts.customerId, source: 'test', at: t });
}

/**
 * The smallest page a snapshot can hold: an empty head and a body with one `<h1>` of `text` (node ids 1–6; the
 * heading is node 5, its text node 6), for tests that write their own events around it.
 */
export function headingDocument(text: string): unknown {
  return { type: 0, id: 1, childNodes: [{ type: 2, id: 2, tagName: 'html', attributes: {}, childNodes: [
    { type: 2, id: 3, tagName: 'head', attributes: {}, childNodes: [] },
    { type: 2, id: 4, tagName: 'body', attributes: {}, childNodes: [{ type: 2, id: 5, tagName: 'h1', attributes: {}, childNodes: [{ type: 3, id: 6, textContent: text }] }] },
  ] }] };
}
