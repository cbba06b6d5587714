import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to recording on loopback with ./data', () => {
    const c = loadConfig([], {});
    assert.equal(c.command, 'start');
    assert.equal(c.host, '127.0.0.1');
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

  it('reads the command and its arguments', () => {
    const c = loadConfig(['ca', '--data', '/x'], {});
    assert.equal(c.command, 'ca');
    assert.deepEqual(c.args, []);
  });
});
