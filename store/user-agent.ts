/**
 * The user agent as the session list shows it (browser and major version, OS,
 * device type), read by bowser (MIT, no dependencies; docs/ARCHITECTURE.md says
 * why not ua-parser-js). Deliberately coarse: the full string is kept on the
 * session for anything finer.
 */
import Bowser from 'bowser';

export interface ParsedUserAgent {
  browser: string;
  os: string;
  deviceType: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown';
}

/** Real user agents are a few hundred characters; a longer one is parsed by its start only (bounded work on hostile input). */
const MAX_PARSED = 512;
/** bowser's long names, shortened as the session list has always shown them. */
const BROWSER_NAMES: Record<string, string> = {
  'Microsoft Edge': 'Edge',
  'Samsung Internet for Android': 'Samsung Internet',
};
const DEVICE_TYPES = new Set<string>(['desktop', 'mobile', 'tablet', 'tv', 'bot']);

export function parseUserAgent(ua: string | undefined): ParsedUserAgent {
  if (!ua) return { browser: 'unknown', os: 'unknown', deviceType: 'unknown' };
  const text = ua.slice(0, MAX_PARSED);
  const parsed = Bowser.parse(text);
  const name = parsed.browser.name;
  const major = parsed.browser.version?.split('.')[0];
  // bowser reads HeadlessChrome as Chrome; automation is worth telling apart in a bank's session list.
  const browser = !name ? 'unknown' : `${/\bHeadlessChrome\//.test(text) ? 'Chrome Headless' : BROWSER_NAMES[name] ?? name}${major ? ` ${major}` : ''}`;
  const os = osName(parsed.os);
  const type = parsed.platform.type;
  const deviceType = type && DEVICE_TYPES.has(type) ? type as ParsedUserAgent['deviceType']
    : browser === 'unknown' && os === 'unknown' ? 'unknown' : 'desktop';
  return { browser, os, deviceType };
}

function osName(os: Bowser.Parser.OSDetails): string {
  const { name, version, versionName } = os;
  if (!name) return 'unknown';
  if (name === 'Windows') {
    // Windows 11 still says "Windows NT 10.0": the user agent cannot tell it from 10.
    return version === 'NT 10.0' ? 'Windows 10/11' : versionName ? `Windows ${versionName}` : `Windows ${version ?? ''}`.trim();
  }
  if (name === 'Chrome OS') return 'ChromeOS';
  return version ? `${name} ${version}` : name;
}
