/**
 * The site version fingerprint (site-version.ts) and the versions collector (tables.ts), fed captures directly:
 * every shared subresource counts by its body digest (an image or font changed, added or removed is a new version,
 * not only scripts and stylesheets); documents, data requests and per-customer (sealed) bodies never count, nor
 * query strings; the collector gives the session API's answer (session-versions.ts) whatever the feed order.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CapturedResource, EventBatch } from '../../../../store/records';
import { SiteVersions } from '../../site-version';
import { sessionVersions } from '../session-versions';
import { createVersionsCollector, type PageVersionRow, type VersionAssetDbRow } from '../tables';

const T0 = 1_800_000_000_000;
let n = 0;
function capture(url: string, destination: string, digest: string, extra: Partial<CapturedResource> = {}): CapturedResource {
  return {
    id: `c${++n}`, method: 'GET', url, status: 200, headers: [], destination, startedAt: T0 + n, timing: { headersMs: 1, totalMs: 2 },
    body: { digest: digest.padEnd(64, '0'), size: 100 + n, encoding: '', truncated: false }, ...extra,
  };
}
const build = (over: Record<string, string> = {}) => [
  capture('https://bank.example/', 'document', 'doc'),
  capture('https://bank.example/app.css?v=1', 'style', over.css ?? 'c55'),
  capture('https://cdn.example/app.js', 'script', 'a11'),
  capture('https://bank.example/logo.png', 'image', over.logo ?? 'b0b'),
  capture('https://bank.example/font.woff2', 'font', 'f0f'),
];
const versionOf = (captures: CapturedResource[]) => {
  const v = new SiteVersions();
  for (const c of captures) v.capture(c);
  return v.versionOf('https://bank.example/', T0 + 100);
};

it('changes with any shared asset body, images and fonts included, and not with per-customer material', () => {
  const base = versionOf(build());
  assert.match(base, /^[0-9a-f]{12}$/);
  assert.equal(versionOf(build()), base, 'the same build gives the same version');
  assert.notEqual(versionOf(build({ logo: 'b1b' })), base, 'a changed image is a new version');
  assert.notEqual(versionOf(build().filter((c) => !c.url.endsWith('logo.png'))), base, 'a removed image is a new version');
  assert.notEqual(versionOf(build({ css: 'c56' })), base, 'a changed stylesheet is a new version');
  // Per customer: another document body, data requests, a sealed (Cache-Control: private) avatar, a query string.
  const other = build().map((c) => (c.destination === 'document' ? { ...c, body: { ...c.body!, digest: 'e'.repeat(64) } } : c));
  other.push(capture('https://bank.example/api/me', 'empty', 'd47'));
  other.push(capture('https://bank.example/avatar.png?c=42', 'image', 'a7a', { body: { digest: 'a7a'.padEnd(64, '0'), size: 9, encoding: '', truncated: false, sealed: true } }));
  other[1] = { ...other[1]!, url: 'https://bank.example/app.css?v=2' };
  assert.equal(versionOf(other), base, 'documents, data, sealed bodies and queries do not count');
});

it('gives the session API\'s versions from the change feed in either order', () => {
  const captures = build();
  const batch = (pageId: string, at: number, url: string): EventBatch => ({
    sessionId: 's', page: { id: pageId, url }, seq: 0, receivedAt: at + 50, events: [{ type: 4, timestamp: at, data: { href: url } }],
  });
  const batches = [batch('p1', T0 + 100, 'https://bank.example/'), batch('p2', T0 + 60_000, 'https://bank.example/accounts')];
  const expected = sessionVersions(batches, captures);
  assert.equal(expected[0]!.version, versionOf(captures));
  assert.equal(expected[1]!.version, expected[0]!.version, 'a load served from the cache takes the host\'s earlier version');
  for (const order of ['batches first', 'captures first'] as const) {
    const c = createVersionsCollector();
    if (order === 'batches first') { for (const b of batches) c.batch(b, []); for (const x of captures) c.capture(x, []); }
    else { for (const x of captures) c.capture(x, []); for (const b of batches) c.batch(b, []); }
    const rows = c.drain();
    const last = new Map<string, PageVersionRow>();
    for (const r of rows) if (r.table === 'page_versions') last.set((r.row as PageVersionRow).pageId, r.row as PageVersionRow);
    assert.deepEqual([...last.values()].map((r) => r.version), expected.map((p) => p.version), order);
    const assets = rows.filter((r) => r.table === 'version_assets' && (r.row as VersionAssetDbRow).version === expected[0]!.version);
    assert.deepEqual(assets.map((r) => (r.row as VersionAssetDbRow).asset.url).sort(),
      ['bank.example/app.css', 'bank.example/font.woff2', 'bank.example/logo.png', 'cdn.example/app.js'], order);
  }
});
