/**
 * Which build of a site a page view got: a fingerprint of its document's subresources (scripts, stylesheets, images,
 * fonts) from the proxy's captures: each asset's kind, host and path and the digest of its captured body (never the
 * query: cache-busters differ per visit; never the URL alone: a deploy that keeps a file's name but changes its bytes
 * is a new version). Sessions served the same build get the same fingerprint; a deploy that changes, adds or removes
 * any asset gets a new one. Per-customer material never counts: documents and frames, data requests (fetch/XHR,
 * `destination` empty), and sealed bodies (personal-data.ts: a response the site marks `Cache-Control: private` or
 * `no-store`, e.g. a customer's avatar). Pure; fed a session's captures in any order, asked per page view.
 *
 * A page view's subresources are the captures started from its document's capture (the latest `document` capture of
 * the same URL at or before the view's first event; else ASSET_LOOKBACK_MS before it) to ASSET_GRACE_MS after its
 * first event or the session's next document capture, whichever comes first (a customer who moves on within the
 * grace loads the next page's assets, which are not this page's), from any host (a CDN's too). A view whose assets all came from the browser's cache (no captures) takes
 * the last version seen in the session on the same host (versionOf); with none, it is UNVERSIONED.
 */
import { createHash } from 'node:crypto';
import type { CapturedResource } from '../../store/records';
import { urlParts } from '../search/extract/index';

export const UNVERSIONED = '';
/** The asset kinds a version is made of (Sec-Fetch-Dest values; `kindOf` infers one from the type when absent). */
export type AssetKind = 'script' | 'style' | 'image' | 'font';
const ASSET_KINDS = new Set<string>(['script', 'style', 'image', 'font']);
export const ASSET_GRACE_MS = 2_000;
const ASSET_LOOKBACK_MS = 30_000;
const RESERVED = '/__verbatim/';
/** Captures kept per session (a forged flood is bounded). */
const MAX_CAPTURES = 5_000;

/** One subresource of a version: what the fingerprint is made of, and its size (stored bytes) for the viewer. */
export interface VersionAsset {
  kind: AssetKind;
  /** `host/path`: no scheme, query or fragment. */
  url: string;
  digest: string;
  size: number;
}

interface Noted {
  at: number;
  url: string;
  host: string;
  asset?: VersionAsset;
}

/** A capture's asset kind: its Sec-Fetch-Dest, else (kiosk uploads, old captures) its Content-Type. */
export function kindOf(c: Pick<CapturedResource, 'destination' | 'headers'>): AssetKind | undefined {
  const dest = c.destination ?? '';
  if (ASSET_KINDS.has(dest)) return dest as AssetKind;
  if (dest) return undefined;
  const type = (Array.isArray(c.headers) ? c.headers.find((h) => Array.isArray(h) && h[0] === 'content-type')?.[1] : undefined)?.toLowerCase() ?? '';
  if (type.startsWith('text/css')) return 'style';
  if (/^(text|application)\/(x-)?(java|ecma)script/.test(type)) return 'script';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('font/') || type.startsWith('application/font')) return 'font';
  return undefined;
}

export class SiteVersions {
  private readonly documents: Noted[] = [];
  private readonly assets: Noted[] = [];
  private readonly lastByHost = new Map<string, string>();

  capture(c: CapturedResource): void {
    if (this.documents.length + this.assets.length >= MAX_CAPTURES || typeof c?.startedAt !== 'number') return;
    const parts = urlParts(c.url);
    if (!parts || parts.path.startsWith(RESERVED) || c.method?.toUpperCase() !== 'GET') return;
    if (c.destination === 'document') {
      this.documents.push({ at: c.startedAt, url: parts.display, host: parts.host });
      return;
    }
    const kind = kindOf(c);
    if (kind && c.body && typeof c.body.digest === 'string' && !c.body.sealed && c.status < 400) {
      this.assets.push({ at: c.startedAt, url: parts.display, host: parts.host, asset: { kind, url: `${parts.host}${parts.path}`, digest: c.body.digest, size: Number(c.body.size) || 0 } });
    }
  }

  /** The assets captured for a page view showing `url` (scheme://host/path) from `firstAt` on, sorted, one per line. */
  assetsOf(url: string, firstAt: number): VersionAsset[] {
    const parts = urlParts(url);
    if (!parts) return [];
    let from = firstAt - ASSET_LOOKBACK_MS;
    for (const d of this.documents) if (d.url === parts.display && d.at <= firstAt && d.at > from) from = d.at;
    let next = Infinity;
    for (const d of this.documents) if (d.at > firstAt && d.at < next) next = d.at;
    const seen = new Map<string, VersionAsset>();
    for (const a of this.assets) if (a.at >= from && a.at <= firstAt + ASSET_GRACE_MS && a.at < next) seen.set(assetLine(a.asset!), a.asset!);
    return [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }

  /** The version of a page view showing `url` from `firstAt` on; a view with no captured asset takes the host's last. */
  versionOf(url: string, firstAt: number): string {
    const parts = urlParts(url);
    if (!parts) return UNVERSIONED;
    const assets = this.assetsOf(url, firstAt);
    if (!assets.length) return this.lastByHost.get(parts.host) ?? UNVERSIONED;
    const version = fingerprint(assets.map(assetLine));
    this.lastByHost.set(parts.host, version);
    return version;
  }
}

/** The line an asset adds to the fingerprint. */
export const assetLine = (a: VersionAsset): string => `${a.kind} ${a.url} ${a.digest}`;

/** 12 hex digits of SHA-256 over the sorted asset lines: short enough to show, long enough never to collide by chance. */
export function fingerprint(assets: string[]): string {
  return createHash('sha256').update([...assets].sort().join('\n')).digest('hex').slice(0, 12);
}
