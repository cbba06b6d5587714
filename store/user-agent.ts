/**
 * A small user-agent reader for the session list (browser, OS, device type).
 * Deliberately coarse: the full string is kept on the session for anything finer.
 */
export interface ParsedUserAgent {
  browser: string;
  os: string;
  deviceType: 'desktop' | 'mobile' | 'tablet' | 'bot' | 'unknown';
}

const BROWSERS: [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\/([\d]+)/, 'Edge'],
  [/OPR\/([\d]+)/, 'Opera'],
  [/SamsungBrowser\/([\d]+)/, 'Samsung Internet'],
  [/Firefox\/([\d]+)/, 'Firefox'],
  [/FxiOS\/([\d]+)/, 'Firefox'],
  [/CriOS\/([\d]+)/, 'Chrome'],
  [/HeadlessChrome\/([\d]+)/, 'Chrome Headless'],
  [/Chrom(?:e|ium)\/([\d]+)/, 'Chrome'],
  [/Version\/([\d]+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/Windows NT 10/, 'Windows 10/11'],
  [/Windows NT ([\d.]+)/, (m) => `Windows NT ${m[1]}`],
  [/(?:iPhone|iPad|iPod).*? OS ([\d_]+)/, (m) => `iOS ${m[1].replace(/_/g, '.')}`],
  [/Mac OS X ([\d_.]+)/, (m) => `macOS ${m[1].replace(/_/g, '.')}`],
  [/Android ([\d.]+)/, (m) => `Android ${m[1]}`],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

export function parseUserAgent(ua: string | undefined): ParsedUserAgent {
  if (!ua) return { browser: 'unknown', os: 'unknown', deviceType: 'unknown' };
  let browser = 'unknown';
  for (const [re, name] of BROWSERS) {
    const m = re.exec(ua);
    if (m) { browser = `${name} ${m[1]}`; break; }
  }
  let os = 'unknown';
  for (const [re, name] of SYSTEMS) {
    const m = re.exec(ua);
    if (m) { os = typeof name === 'string' ? name : name(m); break; }
  }
  const deviceType = /bot|crawler|spider/i.test(ua) ? 'bot'
    : /iPad|Tablet|Android(?!.*Mobile)/.test(ua) ? 'tablet'
    : /Mobi|iPhone|Android/.test(ua) ? 'mobile'
    : browser === 'unknown' && os === 'unknown' ? 'unknown' : 'desktop';
  return { browser, os, deviceType };
}
