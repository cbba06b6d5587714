import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { HeadInjector, injectIntoHead } from '../inject';

const TAG = '<script src="/__verbatim/r.js"></script>';

describe('injectIntoHead', () => {
  it('goes right after <head>', () => {
    assert.equal(injectIntoHead('<!doctype html><html><head><title>x</title></head>', TAG),
      `<!doctype html><html><head>${TAG}<title>x</title></head>`);
  });
  it('goes after an early <meta charset> so it stays in the first 1024 bytes', () => {
    assert.equal(injectIntoHead('<html><head><meta charset="utf-8"><title>x</title>', TAG),
      `<html><head><meta charset="utf-8">${TAG}<title>x</title>`);
  });
  it('does not mistake <header> for <head>', () => {
    assert.equal(injectIntoHead('<html><body><header>h</header>', TAG), `<html>${TAG}<body><header>h</header>`);
  });
  it('handles documents without html/head tags', () => {
    assert.equal(injectIntoHead('<!DOCTYPE html><p>hi', TAG), `<!DOCTYPE html>${TAG}<p>hi`);
    assert.equal(injectIntoHead('<p>hi', TAG), `${TAG}<p>hi`);
  });
  it('rewrites meta CSP content with the given rewriter', () => {
    const html = `<head><meta http-equiv="Content-Security-Policy" content="script-src 'none'"></head>`;
    const out = injectIntoHead(html, TAG, (p) => p.replace("'none'", "'self'"));
    assert.match(out, /content="script-src 'self'"/);
  });
});

describe('HeadInjector stream', () => {
  it('streams a split document, reports the byte delta once and keeps non-ASCII bytes intact', async () => {
    const doc = Buffer.from('<!doctype html><html><he' + 'ad><title>Zürich €</title></he' + 'ad><body>' + 'x'.repeat(100_000) + '</body></html>', 'utf8');
    const chunks = [doc.subarray(0, 20), doc.subarray(20, 50), doc.subarray(50, 70), doc.subarray(70)];
    const deltas: number[] = [];
    const out = await buffer(Readable.from(chunks).pipe(new HeadInjector(TAG, undefined, (d) => deltas.push(d))));
    assert.deepEqual(deltas, [Buffer.byteLength(TAG)]);
    assert.equal(out.length, doc.length + Buffer.byteLength(TAG));
    assert.equal(out.toString('utf8'), doc.toString('utf8').replace('<head>', `<head>${TAG}`));
  });
});
