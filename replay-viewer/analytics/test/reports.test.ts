/**
 * Funnel and journey reports over the labelled corpus (corpus.ts) recorded into a real store and followed into the
 * index, on SQLite and on PostgreSQL: counts, medians, drops and links exactly as the paths make them, the same
 * answer from both backends, nothing outside the period, and an erased session leaves every count.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { bench, type Bench } from '../../search/test/index-fixtures';
import type { OpenedSearch } from '../../search/index';
import { funnelReport, type FunnelReport } from '../funnels/funnel-report';
import { journeyReport, journeySessions, type JourneyReport } from '../journeys/journey-report';
import { EXPECTED, EXPECTED_LINKS, FUNNEL, corpus, recordCorpus } from './corpus';
import { markerFunnelTests, recordMarkerSessions } from './marker-funnels';

const T0 = Date.UTC(2026, 10, 2, 9);
const PERIOD = { from: T0, to: T0 + 86_400_000 };
const answers: Record<string, { funnel: FunnelReport; journeys: JourneyReport; markers?: FunnelReport[] }> = {};

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`funnel and journey reports (${backend})`, () => {
    let b: Bench;
    let s: OpenedSearch;
    let server: PostgresServer | undefined;
    before(async () => {
      b = await bench(`reports-${backend}`);
      let searchUrl: string | undefined;
      if (backend === 'postgres') {
        server = await startPostgres();
        searchUrl = server.url(await server.createDatabase('reports'));
      }
      await recordCorpus(b.store, corpus(T0));
      // A session a day earlier: outside the period, it counts nowhere.
      await recordCorpus(b.store, corpus(T0 - 86_400_000).slice(0, 1).map((x) => ({ ...x, id: 'yesterday' })));
      await recordMarkerSessions(b.store); // the day after the period: funnel steps by marker and request
      s = await b.open({ searchUrl });
      await s.follower.catchUp();
    });
    after(async () => {
      await b.close();
      await server?.stop();
    });

    it('counts each step, its median time and its drops exactly', async () => {
      const phases: string[] = [];
      const r = await funnelReport(s.index.analyticsDb(), FUNNEL, PERIOD, (p) => void phases.push(`${p.done}/${p.total} ${p.phase}`));
      assert.deepEqual(phases, ['0/3 matching steps', '1/3 counting', '2/3 splitting by device, browser, channel', '3/3 done']);
      assert.equal(r.sessions, 12);
      assert.deepEqual(r.steps.map((x) => x.reached), EXPECTED.reached);
      assert.deepEqual(r.steps.map((x) => x.medianMs), EXPECTED.medianMs);
      assert.deepEqual(r.steps.map((x) => x.dropped), EXPECTED.dropped);
      assert.deepEqual(r.steps.map((x) => Math.round(x.conversion * 1000)), [1000, 833, 583, 417]);
      // Who dropped where, newest first, each at the moment of the step they last did.
      assert.deepEqual(r.steps[0]!.drops.map((d) => [d.session, d.at - T0]), [['home-12', 720_000], ['home-11', 660_000]]);
      assert.deepEqual(r.steps[1]!.drops.map((d) => [d.session, d.at - T0]), [['acct-10', 610_000], ['acct-9', 549_000], ['acct-8', 488_000]]);
      assert.deepEqual(r.steps[2]!.drops.map((d) => [d.session, d.at - T0]), [['sent-7', 434_500], ['sent-6', 372_500]]);
      const byDevice = Object.fromEntries(r.splits.device.map((g) => [g.value, g.reached]));
      assert.deepEqual(byDevice, EXPECTED.devices);
      assert.deepEqual(r.splits.browser.map((g) => [g.value, g.reached]), [['Chrome 140', EXPECTED.reached]]);
      assert.deepEqual(r.splits.channel.map((g) => [g.value, g.reached]), [['proxy', EXPECTED.reached]]);
      answers[backend] = { ...answers[backend]!, funnel: r };
    });

    it('maps the journeys: links, entries, exits and paths', async () => {
      const r = await journeyReport(s.index.analyticsDb(), PERIOD);
      assert.equal(r.sessions, 12);
      assert.deepEqual(r.links.map((l) => `${l.step} ${l.from} → ${l.to} ${l.sessions}`).sort(), [...EXPECTED_LINKS].sort());
      assert.deepEqual(r.entries, [{ url: '/', sessions: 12 }]);
      assert.deepEqual(r.exits, [
        { url: '/payments/done', sessions: 5 }, { url: '/payments/transfer', sessions: 3 }, { url: '/', sessions: 2 }, { url: '/accounts/:id', sessions: 2 },
      ]);
      assert.deepEqual(r.paths.map((p) => `${p.steps.join(' > ')} ${p.sessions}`), [
        '/ > /accounts/:id > /payments/transfer > /payments/done 5',
        '/ > /accounts/:id > /payments/transfer 3',
        '/ 2',
        '/ > /accounts/:id 2',
      ]);
      const link = await journeySessions(s.index.analyticsDb(), PERIOD, { step: 2, from: '/payments/transfer', to: '(exit)' });
      assert.equal(link.total, 3);
      assert.deepEqual(link.sessions.map((x) => x.session), ['acct-10', 'sent-7', 'sent-6']);
      const whole = await journeySessions(s.index.analyticsDb(), PERIOD, { path: ['/'] });
      assert.deepEqual(whole.sessions.map((x) => [x.session, x.at - T0]), [['home-12', 720_000], ['home-11', 660_000]]);
      answers[backend] = { ...answers[backend]!, journeys: r };
    });

    it('forgets an erased session in every count', async () => {
      await b.store.eraseSession('full-1', { reason: 'test' });
      await s.follower.catchUp();
      const f = await funnelReport(s.index.analyticsDb(), FUNNEL, PERIOD);
      assert.deepEqual(f.steps.map((x) => x.reached), [11, 9, 6, 4]);
      const j = await journeyReport(s.index.analyticsDb(), PERIOD);
      assert.equal(j.sessions, 11);
      assert.equal(j.links.find((l) => l.step === 2 && l.to === '/payments/done')!.sessions, 4);
    });

    markerFunnelTests(() => ({ b, s }), (markers) => void (answers[backend] = { ...answers[backend]!, markers }));
  });
}

describe('both backends', () => {
  it('give the same answers', () => {
    assert.ok(answers.sqlite && answers.postgres, 'both ran');
    assert.deepEqual(answers.postgres, answers.sqlite);
  });
});
