/**
 * Which build of a site a page view got: a fingerprint of the scripts and stylesheets its document loaded, from the
 * proxy's captures (path and body digest, never the query or the body). Sessions served the same build get the same
 * fingerprint; a deploy that changes any script or stylesheet gets a new one. Per-customer material never counts:
 * documents, data requests (fetch/XHR) and sealed bodies (personal-data.ts) are left out. Pure; fed a session's
 * captures in any order, asked per page view.
 *
 * A page view's subresources are the captures started from its document's capture (the latest `document` capture of
 * the same URL at or before the view's first event; else ASSET_LOOKBACK_MS before it) to ASSET_GRACE_MS after its
 * first event, from any host (a CDN's too). A view whose assets all came from the browser's cache (no captures) takes
 * the last version seen in the session on the same host; with none, it is UNVERSIONED.
 */
import { createHash } from 'node:crypto';
import type { CapturedResource } from '../../store/records';
import { urlParts } from '../search/extract/index';

export const UNVERSIONED = '';
const ASSET_DESTINATIONS = new Set(['script', 'style']);
const ASSET_GRACE_MS = 2_000;
const ASSET_LOOKBACK_MS = 30_000;
const RESERVED = '/__verbatim/';
/** Captures kept per session (a forged flood is bounded). */
const MAX_CAPTURES = 5_000;

interface Noted {
  at: number;
  url: string;
  host: string;
  /** `dest host/path digest` for assets; undefined for documents. */
  asset?: string;
}

export class SiteVersions {
  private readonly documents: Noted[] = [];
  private readonly assets: Noted[] = [];
  private readonly lastByHost = new Map<string, string>();

  capture(c: CapturedResource): void {
    if (this.documents.length + this.assets.length >= MAX_CAPTURES || typeof c?.startedAt !== 'number') return;
    const parts = urlParts(c.url);
    if (!parts || parts.path.startsWith(RESERVED) || c.method?.toUpperCase() !== 'GET') return;
    const dest = c.destination ?? '';
    if (dest === 'document') this.documents.push({ at: c.startedAt, url: parts.display, host: parts.host });
    else if (ASSET_DESTINATIONS.has(dest) && c.body && !c.body.sealed && c.status < 400) {
      this.assets.push({ at: c.startedAt, url: parts.display, host: parts.host, asset: `${dest} ${parts.host}${parts.path} ${c.body.digest}` });
    }
  }

  /** The version of a page view showing `url` (scheme://host/path) from `firstAt` on. */
  versionOf(url: string, firstAt: number): string {
    const parts = urlParts(url);
    if (!parts) return UNVERSIONED;
    let from = firstAt - ASSET_LOOKBACK_MS;
    for (const d of this.documents) if (d.url === parts.display && d.at <= firstAt && d.at > from) from = d.at;
    const seen = new Set<string>();
    for (const a of this.assets) if (a.at >= from && a.at <= firstAt + ASSET_GRACE_MS) seen.add(a.asset!);
    if (!seen.size) return this.lastByHost.get(parts.host) ?? UNVERSIONED;
    const version = fingerprint([...seen]);
    this.lastByHost.set(parts.host, version);
    return version;
  }
}

/** 12 hex digits of SHA-256 over the sorted asset lines: short enough to show, long enough never to collide by chance. */
export function fingerprint(assets: string[]): string {
  return createHash('sha256').update([...assets].sort().join('\n')).digest('hex').slice(0, 12);
}
