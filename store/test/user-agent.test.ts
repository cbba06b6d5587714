import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserAgent } from '../user-agent';

/** [user agent, browser, os, device type]: what the session list shows for each. */
const CASES: [string, string, string, string][] = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome 124', 'Windows 10/11', 'desktop'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51', 'Edge 124', 'Windows 10/11', 'desktop'],
  ['Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko', 'Internet Explorer 11', 'Windows 7', 'desktop'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox 125', 'Windows 10/11', 'desktop'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0', 'Opera 109', 'Windows 10/11', 'desktop'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', 'Safari 17', 'macOS 10.15.7', 'desktop'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1', 'Safari 17', 'iOS 17.4.1', 'mobile'],
  ['Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1', 'Safari 16', 'iOS 16.6', 'tablet'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'Chrome 124', 'iOS 17.4', 'mobile'],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Chrome 124', 'Android 14', 'mobile'],
  ['Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'Samsung Internet 24', 'Android 13', 'mobile'],
  ['Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome 124', 'Android 13', 'tablet'],
  ['Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'Firefox 125', 'Android 14', 'mobile'],
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36', 'Chrome Headless 140', 'Linux', 'desktop'],
  ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome 124', 'ChromeOS', 'desktop'],
  ['Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/538.1 (KHTML, like Gecko) Version/6.0 TV Safari/538.1', 'Tizen 6', 'Tizen 6.0', 'tv'],
  ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot 2', 'unknown', 'bot'],
  ['curl/8.5.0', 'unknown', 'unknown', 'unknown'],
];

describe('parseUserAgent', () => {
  it('gives browser with major version, OS and device type as the session list shows them', () => {
    for (const [ua, browser, os, deviceType] of CASES) assert.deepEqual(parseUserAgent(ua), { browser, os, deviceType }, ua);
    assert.deepEqual(parseUserAgent(undefined), { browser: 'unknown', os: 'unknown', deviceType: 'unknown' });
    assert.deepEqual(parseUserAgent(''), { browser: 'unknown', os: 'unknown', deviceType: 'unknown' });
  });

  it('parses a hostile, huge user agent by its start only, quickly', () => {
    const huge = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 ${'Version/1 Safari/ ('.repeat(50_000)}`;
    const started = performance.now();
    assert.equal(parseUserAgent(huge).browser, 'Chrome 124');
    assert.ok(performance.now() - started < 50, 'bounded work');
  });
});
