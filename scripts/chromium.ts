/**
 * Launching Debian's Chromium with Playwright (no browser downloads here), with
 * the flags this environment needs, optionally through the Verbatim proxy.
 */
import { chromium, type Browser, type LaunchOptions } from 'playwright';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--font-render-hinting=none', '--force-color-profile=srgb',
];

export interface ProxyChoice {
  /** http://127.0.0.1:8080 */
  server: string;
  /** The Verbatim CA's SPKI fingerprint, so intercepted HTTPS is trusted without touching the system store. */
  spkiFingerprint?: string;
}

export function launchChromium(proxy?: ProxyChoice, extra: LaunchOptions = {}): Promise<Browser> {
  const args = [...CHROMIUM_ARGS];
  if (proxy?.spkiFingerprint) args.push(`--ignore-certificate-errors-spki-list=${proxy.spkiFingerprint}`);
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH,
    headless: true,
    args,
    // Loopback is bypassed by default; the sample sites live there.
    proxy: proxy ? { server: proxy.server, bypass: '<-loopback>' } : undefined,
    ...extra,
  });
}
