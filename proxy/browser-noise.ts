/**
 * Requests the browser makes for itself (updates, sync, safe browsing) pass
 * through the proxy too; they belong to no customer's session, so they are
 * forwarded but not captured. Page-made requests always carry Sec-Fetch-* in
 * current browsers, so only header-less requests to vendor hosts are skipped.
 */
import type { IncomingHttpHeaders } from 'node:http';

const VENDOR_HOSTS = /(^|\.)(google\.com|googleapis\.com|gstatic\.com|gvt1\.com|googleusercontent\.com|mozilla\.(com|net|org)|firefox\.com|microsoft\.com|msedge\.net)$/i;

export function isBrowserNoise(hostname: string, headers: IncomingHttpHeaders): boolean {
  return headers['sec-fetch-mode'] === undefined && VENDOR_HOSTS.test(hostname);
}
