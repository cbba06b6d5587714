/** Traffic source classification and the ingest-side check of a page's context. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trafficSource } from '../page-context';
import { parseUpload } from '../upload-validation';

const upload = (context: unknown) => JSON.stringify({ token: 't', page: { id: 'p1', url: 'https://bank.test/' }, seq: 0, events: [{ type: 4, timestamp: 1 }], context });

describe('page context', () => {
  it('classifies the traffic source', () => {
    assert.deepEqual(trafficSource('https://bank.test/?utm_source=news&utm_medium=email&utm_campaign=spring', 'https://mail.example/x'),
      { kind: 'campaign', utmSource: 'news', utmMedium: 'email', utmCampaign: 'spring', referrerHost: 'mail.example' });
    assert.deepEqual(trafficSource('https://bank.test/a', 'https://www.search.example/?q=bank'), { kind: 'referral', referrerHost: 'www.search.example' });
    assert.deepEqual(trafficSource('https://bank.test/a', 'https://bank.test/'), { kind: 'internal', referrerHost: 'bank.test' });
    assert.deepEqual(trafficSource('https://bank.test/a', ''), { kind: 'direct' });
  });

  it('keeps known, bounded context fields and refuses malformed ones', () => {
    const ok = parseUpload(upload({
      url: 'https://bank.test/', referrer: 'https://a.example/', source: { kind: 'referral', referrerHost: 'a.example', extra: 1 },
      userAgent: 'UA', viewport: { width: 1280, height: 800 }, screen: { width: 1920, height: 1080 }, devicePixelRatio: 2,
      language: 'de-CH', languages: ['de-CH', 'en'], timeZone: 'Europe/Zurich', clientIp: '6.6.6.6', junk: 'x',
    }));
    assert.deepEqual(ok.context, {
      url: 'https://bank.test/', referrer: 'https://a.example/', source: { kind: 'referral', referrerHost: 'a.example' },
      userAgent: 'UA', viewport: { width: 1280, height: 800 }, screen: { width: 1920, height: 1080 }, devicePixelRatio: 2,
      language: 'de-CH', languages: ['de-CH', 'en'], timeZone: 'Europe/Zurich',
    }, 'a page cannot claim a client IP');
    assert.equal(parseUpload(upload(undefined)).context, undefined);
    assert.throws(() => parseUpload(upload({ url: 'https://bank.test/', devicePixelRatio: 'x' })), /devicePixelRatio/);
    assert.throws(() => parseUpload(upload({ url: 'https://bank.test/', source: { kind: 'evil' } })), /source/);
    assert.throws(() => parseUpload(upload('nope')), /context must be an object/);
  });
});
