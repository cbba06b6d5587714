import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseRetention } from './config';
import { configuredStore } from './store-open';

describe('loadConfig', () => {
  it('defaults to recording on loopback with ./data', () => {
    const c = loadConfig([], {});
    assert.equal(c.command, 'start');
    assert.equal(c.proxyHost, '127.0.0.1');
    assert.equal(c.viewerHost, '127.0.0.1');
    assert.equal(c.gatewayHost, '127.0.0.1');
    assert.equal(c.proxyAuth, false);
    assert.equal(c.proxyAllowTargets, undefined, 'no private target is reached unless listed');
    assert.equal(c.proxyPort, 8080);
    assert.equal(c.viewerPort, 8081);
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.equal(c.insecureUpstream, false);
  });

  it('lets flags override the environment, in both --flag value and --flag=value forms', () => {
    const c = loadConfig(['start', '--proxy-port=9000', '--data', '/tmp/v', '--insecure-upstream'], { VERBATIM_PROXY_PORT: '7000', VERBATIM_VIEWER_PORT: '7001' });
    assert.equal(c.proxyPort, 9000);
    assert.equal(c.viewerPort, 7001);
    assert.equal(c.dataDir, '/tmp/v');
    assert.equal(c.insecureUpstream, true);
  });

  it('refuses bad values and unknown options with a reason', () => {
    assert.throws(() => loadConfig(['--proxy-port', '70000'], {}), /--proxy-port must be a port number, got "70000"/);
    assert.throws(() => loadConfig(['--proxy-port'], {}), /needs a value/);
    assert.throws(() => loadConfig(['--frobnicate'], {}), /unknown option --frobnicate/);
    assert.throws(() => loadConfig([], { VERBATIM_VIEWER_PORT: 'abc' }), /VERBATIM_VIEWER_PORT must be a port number/);
  });

  it('reads booleans bare or as =true/=false, -h and --help as help, and takes what follows -- as arguments', () => {
    assert.equal(loadConfig(['start', '--preserve-host=false'], {}).preserveHost, false);
    assert.equal(loadConfig(['start', '--preserve-host'], { VERBATIM_PRESERVE_HOST: 'false' }).preserveHost, true);
    assert.throws(() => loadConfig(['--preserve-host=maybe'], {}), /--preserve-host must be true or false, got "maybe"/);
    assert.equal(loadConfig(['-h'], {}).command, 'help');
    assert.equal(loadConfig(['erase', '--help'], {}).command, 'help');
    const c = loadConfig(['erase', 'a', '--reason', 'asked', '--', '--not-a-flag'], {});
    assert.deepEqual([c.command, c.args, c.reason], ['erase', ['a', '--not-a-flag'], 'asked']);
    assert.throws(() => loadConfig(['-x'], {}), /unknown option -x/);
    assert.equal(loadConfig(['--out', '--odd-name.wacz'], {}).out, '--odd-name.wacz', 'a value-taking flag takes the next word');
  });

  it('binds each listener on its own address and refuses the old --host that bound them all', () => {
    const c = loadConfig(['--gateway-host', '0.0.0.0', '--viewer-host=10.0.0.5'], {});
    assert.deepEqual([c.gatewayHost, c.viewerHost, c.proxyHost], ['0.0.0.0', '10.0.0.5', '127.0.0.1']);
    assert.throws(() => loadConfig(['--host', '0.0.0.0'], {}), (err: Error & { code?: string }) =>
      err.code === 'CONFIG_INVALID' && /--host is gone: each listener has its own address now \(--gateway-host, --viewer-host, --proxy-host/.test(err.message));
    assert.throws(() => loadConfig([], { VERBATIM_HOST: '0.0.0.0' }), /VERBATIM_HOST is gone/);
  });

  it('states every network timeout, in seconds, with the documented defaults', () => {
    const c = loadConfig([], {});
    assert.deepEqual([c.headerTimeoutSeconds, c.requestTimeoutSeconds, c.idleTimeoutSeconds, c.upstreamTimeoutSeconds, c.maxHeaderBytes],
      [15, 300, 300, 120, 262144]);
    assert.equal(loadConfig(['--idle-timeout-seconds', '60'], {}).idleTimeoutSeconds, 60);
    assert.throws(() => loadConfig(['--header-timeout-seconds', '0'], {}), /must be a whole number of at least 1/);
  });

  it('reads the forward proxy client and target lists', () => {
    const c = loadConfig(['--proxy-allow-clients', '10.1.0.0/16', '--proxy-auth', '--proxy-allow-targets', '10.20.0.0/16,*.bank.internal'], {});
    assert.equal(c.proxyAllowClients, '10.1.0.0/16');
    assert.equal(c.proxyAuth, true);
    assert.equal(c.proxyAllowTargets, '10.20.0.0/16,*.bank.internal');
  });

  it('reads the PostgreSQL search URL, and refuses a password in a flag', () => {
    assert.equal(loadConfig([], {}).searchUrl, undefined);
    assert.equal(loadConfig(['--search', 'postgres://verbatim@db.internal/verbatim?schema=idx'], {}).searchUrl, 'postgres://verbatim@db.internal/verbatim?schema=idx');
    assert.equal(loadConfig([], { VERBATIM_SEARCH: 'postgresql://verbatim:s3cret@db/verbatim' }).searchUrl, 'postgresql://verbatim:s3cret@db/verbatim');
    assert.throws(() => loadConfig(['--search', 'postgres://verbatim:s3cret@db/verbatim'], {}), (err: Error) => /must not carry a password/.test(err.message) && !err.message.includes('s3cret'));
    assert.throws(() => loadConfig(['--search', 'mysql://db/verbatim'], {}), /must be a postgres:\/\/ URL, got mysql:/);
    assert.throws(() => loadConfig(['--search', 'not a url'], {}), /must be a postgres:\/\/ URL/);
  });

  it('reads the PostgreSQL store URL, a blobs URL and a shared key dir', () => {
    const none = loadConfig([], {});
    assert.deepEqual([none.storeUrl, none.blobsUrl, none.keysDir], [undefined, undefined, undefined]);
    assert.equal(loadConfig(['--store', 'postgres://verbatim@db/verbatim?schema=st'], {}).storeUrl, 'postgres://verbatim@db/verbatim?schema=st');
    assert.equal(loadConfig([], { VERBATIM_STORE_URL: 'postgres://verbatim:s3cret@db/verbatim' }).storeUrl, 'postgres://verbatim:s3cret@db/verbatim');
    assert.throws(() => loadConfig(['--store', 'postgres://verbatim:s3cret@db/verbatim'], {}),
      (err: Error) => /must not carry a password.*VERBATIM_STORE_URL/.test(err.message) && !err.message.includes('s3cret'));
    assert.throws(() => loadConfig(['--store', 'file:///data'], {}), /--store must be a postgres:\/\/ URL/);
    assert.equal(loadConfig(['--blobs', 's3://bucket'], {}).blobsUrl, 's3://bucket');
    assert.equal(loadConfig(['--keys', 'shared/keys'], {}).keysDir, path.resolve('shared/keys'));
    assert.equal(loadConfig([], { VERBATIM_KEYS: '/srv/keys' }).keysDir, '/srv/keys');
  });

  it('reads the body grace period in seconds, refusing what is not a whole number of at most a day', async () => {
    assert.equal(loadConfig([], {}).bodyGraceSeconds, undefined);
    assert.equal(loadConfig(['--body-grace-seconds', '900'], {}).bodyGraceSeconds, 900);
    assert.equal(loadConfig([], { VERBATIM_BODY_GRACE_SECONDS: '0' }).bodyGraceSeconds, 0);
    assert.throws(() => loadConfig(['--body-grace-seconds', '10m'], {}), /--body-grace-seconds must be a whole number, got "10m"/);
    assert.throws(() => loadConfig(['--body-grace-seconds=-5'], {}), /--body-grace-seconds must be a whole number/);
    assert.throws(() => loadConfig([], { VERBATIM_BODY_GRACE_SECONDS: '1.5' }), /VERBATIM_BODY_GRACE_SECONDS must be a whole number, got "1.5"/);
    assert.throws(() => loadConfig(['--body-grace-seconds', '86401'], {}), /--body-grace-seconds must be at most 86400 \(a day\), got 86401/);
    // Only the PostgreSQL store has a grace period: the embedded one refuses the flag rather than ignore it.
    await assert.rejects(configuredStore(loadConfig(['--body-grace-seconds', '60'], {}), {}), /--body-grace-seconds goes with --store postgres:/);
  });

  it('reads the command and its arguments', () => {
    const c = loadConfig(['ca', '--data', '/x'], {});
    assert.equal(c.command, 'ca');
    assert.deepEqual(c.args, []);
  });

  it('reads retention per channel, with --retention-days for every channel it does not name', () => {
    assert.deepEqual(loadConfig(['expire', '--retention', 'proxy=2555,kiosk=1825,gateway=2555'], {}).retention, { proxy: 2555, kiosk: 1825, gateway: 2555 });
    assert.deepEqual(loadConfig(['expire', '--retention=kiosk=30'], {}).retention, { kiosk: 30 }, 'channels not named are kept');
    assert.deepEqual(loadConfig(['expire', '--retention-days', '90'], {}).retention, { proxy: 90, gateway: 90, kiosk: 90 });
    assert.deepEqual(loadConfig(['start', '--retention-days', '90', '--retention', 'kiosk=30'], {}).retention, { proxy: 90, gateway: 90, kiosk: 30 });
    assert.deepEqual(loadConfig([], { VERBATIM_RETENTION: ' proxy = 7 , gateway=8' }).retention, { proxy: 7, gateway: 8 });
    assert.deepEqual(loadConfig(['--retention', 'kiosk=1'], { VERBATIM_RETENTION: 'proxy=7' }).retention, { kiosk: 1 }, 'the flag replaces the environment');
    assert.equal(loadConfig([], {}).retention, undefined, 'no retention: nothing expires');
  });

  it('refuses malformed retention with a reason', () => {
    assert.throws(() => loadConfig(['--retention', 'proxy'], {}), /--retention takes channel=days pairs separated by commas \(channels: proxy, gateway, kiosk\), got "proxy"/);
    assert.throws(() => loadConfig(['--retention', 'proxy=30,'], {}), /--retention takes channel=days pairs/);
    assert.throws(() => loadConfig([], { VERBATIM_RETENTION: 'web=30' }), /VERBATIM_RETENTION: unknown channel "web" \(channels: proxy, gateway, kiosk\)/);
    assert.throws(() => parseRetention('toString=3'), /unknown channel "toString"/);
    assert.throws(() => parseRetention('proxy=30,proxy=40'), /names proxy twice/);
    for (const days of ['0', '-1', '1.5', 'ten', '', '99999999999999999999']) {
      assert.throws(() => parseRetention(`kiosk=${days}`), /days for kiosk must be a whole number of at least 1/, days);
    }
    assert.throws(() => loadConfig(['--retention'], {}), /--retention needs a value/);
  });
});
