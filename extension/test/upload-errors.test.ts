/** Which collector answers may drop a queued item: only the collector's own coded refusals of the item. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../src/upload-errors';

describe('upload answers', () => {
  it('keeps items on configuration errors: wrong URL, unknown token, another server, proxies', () => {
    for (const [status, code] of [[404, 'NOT_FOUND'], [404, undefined], [405, 'METHOD_NOT_ALLOWED'], [401, 'UNAUTHORIZED'], [403, undefined], [407, undefined], [413, undefined], [400, undefined], [421, undefined]] as const) {
      const { verdict, error } = classify(status, code, '/collect/v1/events', '');
      assert.equal(verdict, 'keep', `${status} ${code}`);
      assert.equal(error.kind, 'config');
    }
    assert.match(classify(404, undefined, '/collect/v1/events', '').error.message, /no Verbatim collector at this URL.*with or without \/collect\/v1\//);
    assert.match(classify(401, 'UNAUTHORIZED', '/collect/v1/events', 'unknown or revoked terminal token').error.message, /verbatim terminals add/);
  });

  it('keeps items on server trouble, drops only coded refusals, reopens unknown sessions', () => {
    for (const status of [500, 502, 503, 507, 408, 429]) assert.equal(classify(status, undefined, '/p', '').verdict, 'keep');
    assert.equal(classify(400, 'PAYLOAD_INVALID', '/p', 'bad').verdict, 'drop');
    assert.equal(classify(413, 'PAYLOAD_TOO_LARGE', '/p', '').verdict, 'drop');
    assert.equal(classify(403, 'SESSION_FORGED', '/p', '').verdict, 'drop');
    assert.equal(classify(404, 'SESSION_UNKNOWN', '/p', '').verdict, 'recreate');
  });
});
