/**
 * Analytics plumbing on both backends: a recorded journey through the real store and follower lands as page_views and
 * interactions rows in the index's transaction, holds no typed value, leaves with an erased session, and the tables
 * are created on an index made before them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPostgres, type PostgresServer } from '../../../../test/helpers/postgres-server';
import { bench, recordJourney, type Bench } from '../../../search/test/index-fixtures';
import type { AnalyticsDb } from '../../../search/search-index';
import { pathPattern } from '../url-pattern';

const T0 = Date.UTC(2026, 10, 21, 9);

async function rows(db: AnalyticsDb, table: string): Promise<Record<string, unknown>[]> {
  const q = `SELECT s.id AS session, t.* FROM ${table} t JOIN sessions s ON s.sid = t.sid ORDER BY s.id, t.at`;
  const out = db.kind === 'sqlite' ? db.db.prepare(q).all() as Record<string, unknown>[] : (await db.pool.query(q)).rows;
  return out.map(({ sid: _sid, ...r }) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v])));
}

describe('url patterns', () => {
  it('replaces ids, numbers, uuids, tokens and masked segments with :id', () => {
    assert.equal(pathPattern('/accounts/123456/statements'), '/accounts/:id/statements');
    assert.equal(pathPattern('/c/0f8fad5b-d9cb-469f-a165-70867728950e/view'), '/c/:id/view');
    assert.equal(pathPattern('/v2/payments/transfer'), '/v2/payments/transfer');
    assert.equal(pathPattern('/u/jane@example.com'), '/u/:id');
    assert.equal(pathPattern('/iban/DE89****3000'), '/iban/:id');
    assert.equal(pathPattern('/t/abcdef0123456789abcd'), '/t/:id');
    assert.equal(pathPattern('/'), '/');
  });
});

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`analytics rows in the ${backend} index`, () => {
    let b: Bench;
    let server: PostgresServer | undefined;
    let searchUrl: string | undefined;
    before(async () => {
      b = await bench(`analytics-${backend}`);
      if (backend === 'postgres') {
        server = await startPostgres();
        searchUrl = server.url(await server.createDatabase('analytics'));
      }
      for (const [i, id] of ['an-a', 'an-b'].entries()) await recordJourney(b.store, id, T0 + i * 60_000, { seen: `page ${i}`, typed: `secret${i}` });
    });
    after(async () => {
      await b.close();
      await server?.stop();
    });

    it('writes page views and interactions with the hits, and erases them with the session', async () => {
      const s = await b.open({ searchUrl });
      await s.follower.catchUp();
      const db = s.index.analyticsDb();
      const views = await rows(db, 'page_views');
      assert.deepEqual(views, ['an-a', 'an-b'].map((session, i) => ({
        session, page_id: 'p0', at: T0 + i * 60_000 + 10, host: 'bank.example', url: '/payments/transfer', title: 'Transfer', dwell_ms: 3_090,
      })).map((v) => ({ ...v, page_id: views[0]!.page_id })));
      const acts = await rows(db, 'interactions');
      assert.deepEqual(acts.map((a) => `${a.session} ${Number(a.at) - T0} ${a.kind} ${a.selector} ${a.url}`), [
        'an-a 3000 click #send /payments/transfer', 'an-a 3000 submit #send /payments/transfer',
        'an-b 63000 click #send /payments/transfer', 'an-b 63000 submit #send /payments/transfer',
      ]);
      assert.ok(!JSON.stringify([views, acts]).includes('secret'), 'no typed value in analytics rows');

      await b.store.eraseSession('an-a', { reason: 'test' });
      await s.follower.catchUp();
      assert.deepEqual((await rows(db, 'page_views')).map((v) => v.session), ['an-b']);
      assert.deepEqual((await rows(db, 'interactions')).map((v) => v.session), ['an-b', 'an-b']);
      const left = db.kind === 'sqlite'
        ? db.db.prepare('SELECT COUNT(*) AS n FROM page_views WHERE sid NOT IN (SELECT sid FROM sessions)').get() as { n: number }
        : (await db.pool.query('SELECT COUNT(*)::int AS n FROM page_views WHERE sid NOT IN (SELECT sid FROM sessions)')).rows[0];
      assert.equal(Number(left.n), 0);
      await s.close();
    });

    it('creates the tables on an index made before them', async () => {
      const s = await b.open({ searchUrl });
      const db = s.index.analyticsDb();
      if (db.kind === 'sqlite') db.db.exec('DROP TABLE page_views; DROP TABLE interactions');
      else await db.pool.query('DROP TABLE page_views; DROP TABLE interactions');
      await s.close();
      const again = await b.open({ searchUrl });
      assert.deepEqual(await rows(again.index.analyticsDb(), 'page_views'), []);
      await again.close();
    });
  });
}
