/**
 * Funnels per customer (funnels/customer-funnel.ts): generated sessions across channels (web through the proxy, the
 * gateway, a kiosk), some linked to customers, written through the index's write path; the per-customer report counts
 * one journey per customer across their sessions, in time order, and lists each drop in the session where the
 * customer dropped; the per-session report (the default) is unchanged. Exact counts, on SQLite and, when installed,
 * PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgresBin, startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { loadOrCreateIndexKey } from '../../search/index-key';
import { newSearchIndex } from '../../search/open-index';
import type { SearchIndex } from '../../search/search-index';
import { customerFunnelReport } from '../funnels/customer-funnel';
import type { FunnelDefinition } from '../funnels/definition';
import { funnelReport } from '../funnels/funnel-report';
import { median } from '../query/median';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 8);
const PERIOD = { from: T0, to: T0 + 86_400_000 };
const FUNNEL: FunnelDefinition = {
  name: 'transfer',
  steps: [
    { kind: 'page', match: '/payments/transfer', label: 'form' },
    { kind: 'page', match: '/payments/confirm', label: 'confirm' },
    { kind: 'page', match: '/payments/done', label: 'done' },
  ],
};
const [FORM, CONFIRM, DONE] = ['/payments/transfer', '/payments/confirm', '/payments/done'];

/** Session id, channel, customer (none: not linked), and its page views (URL, ms after T0). */
const SESSIONS: { id: string; channel: string; customer?: string; views: [string, number][] }[] = [
  // C1 starts on the web and finishes at a kiosk an hour later.
  { id: 'w1', channel: 'proxy', customer: 'C1', views: [[FORM, 0], [CONFIRM, MIN]] },
  { id: 'k1', channel: 'kiosk', customer: 'C1', views: [['/', HOUR - 5_000], [DONE, HOUR]] },
  // C2 fills the form through the gateway, again at a kiosk, confirms there, never finishes.
  { id: 'g2', channel: 'gateway', customer: 'C2', views: [[FORM, 2 * HOUR]] },
  { id: 'k2', channel: 'kiosk', customer: 'C2', views: [[FORM, 3 * HOUR], [CONFIRM, 3 * HOUR + 30_000]] },
  // C3's "done" comes before its form: out of order, it does not count.
  { id: 'k3', channel: 'kiosk', customer: 'C3', views: [[DONE, 4 * HOUR]] },
  { id: 'w3', channel: 'proxy', customer: 'C3', views: [[FORM, 5 * HOUR]] },
  // Not linked to a customer: each is a journey of its own.
  { id: 'u4', channel: 'proxy', views: [[FORM, 6 * HOUR], [CONFIRM, 6 * HOUR + 10_000], [DONE, 6 * HOUR + 20_000]] },
  { id: 'u5', channel: 'proxy', views: [[FORM, 8 * HOUR]] },
  // C6 does it all in one session.
  { id: 'w6', channel: 'proxy', customer: 'C6', views: [[FORM, 7 * HOUR], [CONFIRM, 7 * HOUR + 20_000], [DONE, 7 * HOUR + 40_000]] },
];
const CUSTOMERS = new Map(SESSIONS.filter((s) => s.customer).map((s) => [s.id, s.customer!]));

function scenario(name: string, searchUrl: () => string | undefined): void {
  describe(`funnel per customer (${name})`, () => {
    let dir: string;
    let index: SearchIndex;
    let lookups: string[];
    const customerOf = async (id: string) => {
      lookups.push(id);
      return CUSTOMERS.get(id);
    };

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `verbatim-customer-funnel-${name}-`));
      index = newSearchIndex({ searchUrl: searchUrl(), indexDir: dir }, await loadOrCreateIndexKey(path.join(dir, 'keys')));
      await index.open();
      await index.apply({
        cursor: 1,
        sessions: SESSIONS.map((s) => ({
          id: s.id, channel: s.channel, device: 'desktop', browser: 'Chrome 140', startedAt: T0 + s.views[0]![1], endedAt: T0 + s.views.at(-1)![1] + 5_000,
          pageCount: s.views.length, durationMs: 0, activeMs: 0, customerLinked: !!s.customer,
        })),
        hits: [],
        analytics: SESSIONS.map((s) => ({
          sessionId: s.id,
          rows: s.views.map(([url, at], i) => ({ table: 'page_views', row: { pageId: `${s.id}-p${i}`, at: T0 + at, host: 'bank.example', url, title: null, dwellMs: 5_000 } })),
        })),
      });
    });
    after(async () => {
      await index?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('per session (the default): a journey split across channels drops in one session and is missing from the other', async () => {
      const r = await funnelReport(index.analyticsDb(), FUNNEL, PERIOD);
      assert.equal(r.per, undefined);
      assert.equal(r.sessions, 7);
      assert.deepEqual(r.steps.map((s) => s.reached), [7, 4, 2]);
      assert.deepEqual(r.steps.map((s) => s.drops.map((d) => d.session)), [['u5', 'w3', 'g2'], ['k2', 'w1'], []]);
    });

    it('per customer: one journey per customer across web, gateway and kiosk, in time order', async () => {
      lookups = [];
      const phases: string[] = [];
      const r = await customerFunnelReport(index.analyticsDb(), FUNNEL, PERIOD, customerOf, (p) => void phases.push(`${p.done}/${p.total} ${p.phase}`));
      assert.deepEqual(phases, ['0/4 matching steps', '1/4 finding customers', '2/4 ordering steps', '3/4 counting', '4/4 done']);
      assert.equal(r.per, 'customer');
      // C1, C2, C3, u4, u5, C6 start; C1, C2, u4, C6 confirm; C1 (at the kiosk), u4, C6 finish.
      assert.equal(r.sessions, 6);
      assert.deepEqual(r.steps.map((s) => s.reached), [6, 4, 3]);
      assert.deepEqual(r.steps.map((s) => s.dropped), [2, 1, 0]);
      assert.deepEqual(r.steps.map((s) => Math.round(s.conversion * 1000)), [1000, 667, 500]);
      // Each drop opens the session where the customer did their last step: C2 confirmed at the kiosk (k2).
      assert.deepEqual(r.steps.map((s) => s.drops.map((d) => [d.session, d.at - T0])), [[['u5', 8 * HOUR], ['w3', 5 * HOUR]], [['k2', 3 * HOUR + 30_000]], []]);
      // Gaps across sessions: C1's form → confirm 1 min, C2's 1 h 30 s (gateway → kiosk); confirm → done: C1's 59 min at the kiosk.
      assert.deepEqual(r.steps.map((s) => s.medianMs), [null, median([MIN, HOUR + 30_000, 10_000, 20_000]), median([HOUR - MIN, 10_000, 20_000])]);
      // Split by the channel of the session where the journey started.
      assert.deepEqual(r.splits.channel.map((g) => [g.value, g.reached]), [['proxy', [5, 3, 3]], ['gateway', [1, 1, 0]]]);
      // Only linked sessions are looked up, each once; no customer id in the answer.
      assert.deepEqual([...new Set(lookups)].sort(), ['g2', 'k1', 'k2', 'k3', 'w1', 'w3', 'w6']);
      assert.equal(lookups.length, 7);
      assert.ok(!/C[1-6]\b/.test(JSON.stringify(r)), 'customer ids stay out of the report');
    });

    it('per customer without customer links is the per-session funnel', async () => {
      const none = await customerFunnelReport(index.analyticsDb(), FUNNEL, PERIOD, async () => undefined);
      const perSession = await funnelReport(index.analyticsDb(), FUNNEL, PERIOD);
      assert.deepEqual(none.steps.map((s) => [s.reached, s.dropped, s.medianMs, s.drops]), perSession.steps.map((s) => [s.reached, s.dropped, s.medianMs, s.drops]));
    });
  });
}

scenario('sqlite', () => undefined);

const pgBin = await findPostgresBin();
let server: PostgresServer | undefined;
let pgUrl: string | undefined;
describe('funnel per customer on PostgreSQL', { skip: pgBin ? false : 'PostgreSQL is not installed' }, () => {
  before(async () => {
    server = await startPostgres();
    pgUrl = `${server.url(await server.createDatabase('customer_funnel'))}&schema=verbatim_customer_funnel`;
  });
  after(async () => server?.stop());
  scenario('postgres', () => pgUrl);
});
