/** Configuration rules and the package writer, without a browser. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cssReferences } from '../src/background-fetch';
import { isHome, normalizeConfig, shouldCaptureResource, shouldRecord, shouldRecordFrame } from '../src/config';
import { manifestFor } from '../manifest';
import { packDirectory } from '../build';
import { unzip } from '../../test/helpers/unzip';

const base = { collectorUrl: 'https://verbatim.bank/', terminalId: 'k1', enrolmentToken: 't' };

describe('kiosk configuration', () => {
  it('needs collector, terminal and token, and fills defaults', () => {
    assert.equal(normalizeConfig({ terminalId: 'k1', enrolmentToken: 't' }), undefined);
    assert.equal(normalizeConfig({ ...base, collectorUrl: 'ftp://x' }), undefined);
    const c = normalizeConfig({ ...base, idleTimeoutSeconds: -5, allowUrls: ['a', 3, ' '] })!;
    assert.equal(c.collectorUrl, 'https://verbatim.bank');
    assert.equal(c.idleTimeoutSeconds, 300);
    assert.deepEqual(c.allowUrls, ['a']);
  });

  it('accepts the collector URL with or without the /collect/v1/ suffix `verbatim start` prints', () => {
    for (const url of ['https://v.bank:8081', 'https://v.bank:8081/', 'https://v.bank:8081/collect/v1/', 'https://v.bank:8081/collect/v1', 'https://v.bank:8081/collect/']) {
      assert.equal(normalizeConfig({ ...base, collectorUrl: url })!.collectorUrl, 'https://v.bank:8081', url);
    }
    // A path prefix (behind a reverse proxy) stays.
    assert.equal(normalizeConfig({ ...base, collectorUrl: 'https://gw.bank/verbatim/collect/v1/' })!.collectorUrl, 'https://gw.bank/verbatim');
  });

  it('captures a recorded page\'s resources from any host (a CDN), except denied ones and the collector', () => {
    const c = normalizeConfig({ ...base, allowUrls: ['https://kiosk.bank/*'], denyUrls: ['*/tracking/*'] })!;
    assert.ok(shouldCaptureResource(c, 'https://cdn.other.example/theme.css'));
    assert.ok(!shouldCaptureResource(c, 'https://cdn.other.example/tracking/pixel.gif'));
    assert.ok(!shouldCaptureResource(c, 'https://verbatim.bank/collect/v1/events'));
    assert.ok(!shouldCaptureResource(c, 'data:image/png;base64,AAAA'));
    // A third-party frame inside an allowed page is recorded; the same frame URL as a top-level page is not.
    assert.ok(shouldRecordFrame(c, 'https://maps.example/embed', 'https://kiosk.bank/branch'));
    assert.ok(!shouldRecordFrame(c, 'https://maps.example/embed', undefined));
    assert.ok(!shouldRecordFrame(c, 'https://maps.example/embed', 'https://elsewhere.example/'));
    assert.ok(!shouldRecordFrame(c, 'https://kiosk.bank/tracking/frame', 'https://kiosk.bank/branch'));
  });

  it('follows a stylesheet\'s @import and url() references, resolved against the sheet', () => {
    const css = `@import "parts.css"; @import url('/x/y.css'); /* url(commented.png) */
      .a{background:url(img/tile.png)} .b{background:url("data:image/png;base64,AA")}
      @font-face{font-family:F;src:url(../f.woff2#iefix) format("woff2")} .c{background:image-set("a.png" 1x, "b.png" 2x)}`;
    assert.deepEqual(cssReferences(css, 'https://cdn.example/css/theme.css'), [
      'https://cdn.example/css/parts.css', 'https://cdn.example/x/y.css', 'https://cdn.example/css/img/tile.png',
      'https://cdn.example/f.woff2', 'https://cdn.example/css/a.png', 'https://cdn.example/css/b.png',
    ]);
  });

  it('records allowed http(s) pages, never denied ones nor the collector', () => {
    const c = normalizeConfig({ ...base, allowUrls: ['https://kiosk.bank/*'], denyUrls: ['*/admin/*'], homeUrl: 'https://kiosk.bank/welcome' })!;
    assert.ok(shouldRecord(c, 'https://kiosk.bank/loans?x=1'));
    assert.ok(!shouldRecord(c, 'https://kiosk.bank/admin/users'));
    assert.ok(!shouldRecord(c, 'https://other.example/'));
    assert.ok(!shouldRecord(c, 'chrome://settings'));
    const open = normalizeConfig(base)!;
    assert.ok(shouldRecord(open, 'http://anything.example/'));
    assert.ok(!shouldRecord(open, 'https://verbatim.bank/sessions'));
    assert.ok(isHome(c, 'https://kiosk.bank/welcome?lang=en'));
    assert.ok(!isHome(open, 'https://kiosk.bank/welcome'));
    // Pattern characters other than * are literal.
    assert.ok(!shouldRecord(normalizeConfig({ ...base, allowUrls: ['https://a.b/x?y'] })!, 'https://aXb/x'));
  });
});

describe('extension packages', () => {
  it('manifests: Chromium MV3 worker with the signing key and update URL, Firefox event page with a gecko id', () => {
    const chromium = manifestFor('chromium', '1.2.3', { publicKey: 'AAAA', updateUrl: 'https://v.bank/extension/update.xml' }) as Record<string, any>;
    const firefox = manifestFor('firefox', '1.2.3') as Record<string, any>;
    assert.equal(chromium.manifest_version, 3);
    assert.equal(chromium.background.service_worker, 'background.js');
    assert.equal(chromium.key, 'AAAA');
    assert.equal(chromium.update_url, 'https://v.bank/extension/update.xml');
    assert.deepEqual(firefox.background.scripts, ['background.js']);
    assert.ok(firefox.browser_specific_settings.gecko.id);
    for (const m of [chromium, firefox]) {
      assert.equal(m.content_scripts[0].js[0], 'isolated.js', 'the isolated script is injected first');
      assert.deepEqual(m.content_scripts[1].js, ['main-world.js', 'recorder.js']);
      assert.equal(m.content_scripts[1].world, 'MAIN');
      assert.equal(m.storage.managed_schema, 'managed-schema.json');
    }
  });

  it('writes deflated zip files that standard readers accept', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-zip-'));
    try {
      const big = Buffer.alloc(100_000, 'abc');
      await mkdir(path.join(dir, 'ext'));
      await writeFile(path.join(dir, 'ext', 'big.bin'), big);
      await writeFile(path.join(dir, 'ext', 'a.txt'), 'hello');
      await packDirectory(path.join(dir, 'ext'), path.join(dir, 'p.zip'));
      const archive = await readFile(path.join(dir, 'p.zip'));
      assert.ok(archive.length < 2_000, 'deflated');
      const back = unzip(archive);
      assert.deepEqual([...back.keys()], ['a.txt', 'big.bin'], 'in name order');
      assert.equal(back.get('a.txt')?.toString(), 'hello');
      assert.deepEqual(back.get('big.bin'), big);
      // The same files give the same package.
      await packDirectory(path.join(dir, 'ext'), path.join(dir, 'q.zip'));
      assert.deepEqual(await readFile(path.join(dir, 'q.zip')), archive);
      // Python's zipfile (present on every machine here) as another independent reader.
      const check = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip(), len(z.read("big.bin")))', 'p.zip'], { cwd: dir }).toString().trim();
      assert.equal(check, 'None 100000');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
