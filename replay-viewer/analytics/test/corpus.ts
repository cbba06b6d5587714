/**
 * A labelled corpus recorded straight into a real store (no browser): 12 sessions with known paths through a bank,
 * each page its own tab document, the Send button's click followed by the transfer POST the proxy would capture.
 * Funnel: home → account (/accounts/:id) → submit #send → done. The counts and medians below are what the paths
 * make, worked out by hand.
 */
import type { LevelStore } from '../../../store/level/level-store';
import { Tree, batch, click, full, meta } from '../../search/test/extract-fixtures';
import type { FunnelDefinition } from '../funnels/definition';

export const SITE = 'https://bank.example';
export const FUNNEL: FunnelDefinition = {
  name: 'Transfer',
  steps: [
    { kind: 'page', match: '/', label: 'Home' },
    { kind: 'page', match: '/accounts/*', label: 'Account' },
    { kind: 'submit', match: '#send', label: 'Send' },
    { kind: 'page', match: '/payments/done', label: 'Done' },
  ],
};

export interface Visit { url: string; at: number; send?: { at: number; post: boolean } }
export interface CorpusSession { id: string; device: 'desktop' | 'mobile'; visits: Visit[] }

/** a: home → account; b: account → send click; d: send → done (ms). */
function path(id: string, device: CorpusSession['device'], t0: number, a?: number, b?: number, d?: number, post = true): CorpusSession {
  const visits: Visit[] = [{ url: '/', at: t0 }];
  if (a !== undefined) visits.push({ url: `/accounts/${100_000 + Number(id.replace(/\D/g, ''))}`, at: t0 + a });
  if (a !== undefined && b !== undefined) visits.push({ url: '/payments/transfer', at: t0 + a + b - 500, send: { at: t0 + a + b, post } });
  if (a !== undefined && b !== undefined && d !== undefined) visits.push({ url: '/payments/done', at: t0 + a + b + d });
  return { id, device, visits };
}

export function corpus(t0: number): CorpusSession[] {
  const m = 60_000;
  return [
    // 5 reach done: home→account a, account→send b, send→done d.
    path('full-1', 'desktop', t0 + 1 * m, 1_000, 1_500, 300),
    path('full-2', 'desktop', t0 + 2 * m, 2_000, 2_500, 400),
    path('full-3', 'mobile', t0 + 3 * m, 3_000, 3_500, 500),
    path('full-4', 'desktop', t0 + 4 * m, 4_000, 4_500, 600),
    path('full-5', 'mobile', t0 + 5 * m, 5_000, 5_500, 700),
    // 2 send, never done.
    path('sent-6', 'desktop', t0 + 6 * m, 6_000, 6_500),
    path('sent-7', 'mobile', t0 + 7 * m, 7_000, 7_500),
    // 3 leave at the account page; one of them clicks Send but nothing is sent (no write): not a submit.
    path('acct-8', 'desktop', t0 + 8 * m, 8_000),
    path('acct-9', 'desktop', t0 + 9 * m, 9_000),
    { ...path('acct-10', 'mobile', t0 + 10 * m, 10_000, 10_500, undefined, false) },
    // 2 leave at home.
    path('home-11', 'desktop', t0 + 11 * m),
    path('home-12', 'mobile', t0 + 12 * m),
  ];
}

/** What the corpus must give. */
export const EXPECTED = {
  reached: [12, 10, 7, 5],
  // Step 2: a over 10 sessions (1000..10000 s): (5000 + 6000) / 2. Step 3: b over 7 (1500..7500 by 1000): 4500.
  // Step 4: d over 5: 500.
  medianMs: [null, 5_500, 4_500, 500],
  dropped: [2, 3, 2, 0],
  devices: { desktop: [7, 6, 4, 3], mobile: [5, 4, 3, 2] },
};

export async function recordCorpus(store: LevelStore, sessions: readonly CorpusSession[], channel: 'proxy' | 'kiosk' = 'proxy'): Promise<void> {
  for (const s of sessions) {
    await store.createSession({ id: s.id, channel, startedAt: s.visits[0]!.at, browser: 'Chrome 140', os: 'Linux', deviceType: s.device });
    for (const [i, v] of s.visits.entries()) {
      const t = new Tree();
      const send = t.el('button', { id: 'send' }, 'Send money');
      const page = t.page(`Page ${v.url}`, t.el('form', {}, t.el('input', { name: 'iban' }), send));
      const url = `${SITE}${v.url}`;
      const pageId = `${s.id}-p${i}`;
      const last = v.send ? v.send.at + 100 : v.at + 200;
      await store.appendEvents({ ...batch([meta(v.at, url), full(v.at + 5, page.root)], { url, page: pageId, title: `Page ${v.url}` }), sessionId: s.id });
      await store.appendEvents({ ...batch([...(v.send ? [click(v.send.at, send.id)] : []), { type: 3, timestamp: last, data: { source: 1, positions: [] } }], { url, page: pageId, seq: 1 }), sessionId: s.id });
      if (v.send?.post) {
        await store.putCapture({
          id: `${pageId}-post`, sessionId: s.id, method: 'POST', url: `${SITE}/api/transfer`, status: 200, headers: [],
          startedAt: v.send.at + 40, timing: { headersMs: 20, totalMs: 30 }, body: null,
        });
      }
    }
  }
}

/** The journey links the corpus makes: `step from → to` and sessions. */
export const EXPECTED_LINKS = [
  '0 / → /accounts/:id 10',
  '0 / → (exit) 2',
  '1 /accounts/:id → /payments/transfer 8',
  '1 /accounts/:id → (exit) 2',
  '2 /payments/transfer → /payments/done 5',
  '2 /payments/transfer → (exit) 3',
  '3 /payments/done → (exit) 5',
];
