import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adjustPolicy, findScriptNonce, type CspTarget } from '../csp';

const target: CspTarget = {
  origin: 'https://bank.example',
  scriptUrl: 'https://bank.example/__verbatim/recorder-abc.js',
  endpointUrl: 'https://bank.example/__verbatim/events',
};

describe('CSP adjustment', () => {
  it("adds only a nonce for the inline bootstrap when 'self' already allows the recorder and connect", () => {
    const p = "default-src 'self'; img-src *";
    assert.deepEqual(adjustPolicy(p, target, 'N'), { policy: "default-src 'self'; img-src *; script-src 'self' 'nonce-N'", changed: true });
  });

  it("leaves a policy alone when 'unsafe-inline' and 'self' allow the bootstrap and the recorder", () => {
    const p = "default-src 'self' 'unsafe-inline'";
    assert.deepEqual(adjustPolicy(p, target, 'N'), { policy: p, changed: false });
  });

  it('lets the bootstrap create its Trusted Types policy', () => {
    const p = "require-trusted-types-for 'script'; trusted-types app-policy";
    assert.equal(adjustPolicy(p, target, 'N').policy, "require-trusted-types-for 'script'; trusted-types app-policy verbatim");
    assert.equal(adjustPolicy("trusted-types 'none'", target, 'N').policy, 'trusted-types verbatim');
    assert.equal(adjustPolicy('trusted-types *', target, 'N').changed, false);
  });

  it('reuses the site nonce and does not touch the policy', () => {
    const p = "script-src 'nonce-abc123' 'strict-dynamic'; connect-src 'self'";
    assert.equal(findScriptNonce([p]), 'abc123');
    assert.deepEqual(adjustPolicy(p, target, 'abc123'), { policy: p, changed: false });
  });

  it('adds a nonce under strict-dynamic with hashes only', () => {
    const p = "script-src 'sha256-AAAA' 'strict-dynamic'; connect-src 'self'";
    const { policy, changed } = adjustPolicy(p, target, 'N1');
    assert.ok(changed);
    assert.equal(policy, "script-src 'sha256-AAAA' 'strict-dynamic' 'nonce-N1'; connect-src 'self'");
  });

  it("adds the exact script URL, not a nonce, when the site relies on 'unsafe-inline'", () => {
    const p = "script-src https://cdn.example 'unsafe-inline'; connect-src 'self'";
    const { policy } = adjustPolicy(p, target, 'N');
    assert.equal(policy, `script-src https://cdn.example 'unsafe-inline' ${target.scriptUrl}; connect-src 'self'`);
    assert.ok(!policy.includes('nonce'));
  });

  it('clones default-src into script-src and connect-src rather than widening default-src', () => {
    const p = "default-src https://static.example";
    const { policy } = adjustPolicy(p, target, 'N');
    assert.match(policy, /^default-src https:\/\/static\.example; script-src https:\/\/static\.example 'nonce-N' https:\/\/bank\.example\/__verbatim\/recorder-abc\.js; connect-src https:\/\/static\.example https:\/\/bank\.example\/__verbatim\/events$/);
  });

  it("replaces 'none' for connect-src with the endpoint only", () => {
    const p = "script-src 'self'; connect-src 'none'";
    assert.equal(adjustPolicy(p, target, 'N').policy, `script-src 'self' 'nonce-N'; connect-src ${target.endpointUrl}`);
  });

  it('handles several comma-separated policies independently', () => {
    const p = "script-src 'self', script-src 'nonce-zz'";
    const { policy } = adjustPolicy(p, target, 'zz');
    assert.equal(policy, "script-src 'self' 'nonce-zz', script-src 'nonce-zz'");
  });
});
