/** What the versions API answers (versions-routes.ts), shared with the viewer's page (ui/versions-page.ts). */
import type { AssetKind } from '../site-version';

/** One page load's site version, as the session API and the evidence export give it. */
export interface PageLoadVersion {
  pageId: string;
  /** scheme://host/path of the document (no query). */
  url: string;
  /** Epoch ms of the page's first event. */
  at: number;
  /** 12 hex digits (site-version.ts); '' when nothing of the page was captured. */
  version: string;
  /** How many subresources the fingerprint is made of (0: taken from the session's earlier page on the host). */
  assets: number;
}

/** One version of one site in the versions index. */
export interface SiteVersionSummary {
  host: string;
  version: string;
  firstSeen: number;
  lastSeen: number;
  sessions: number;
  pages: number;
  assets: number;
}

export interface VersionAssetRow { kind: AssetKind; url: string; digest: string; size: number }

/** One version of a site and its assets. */
export interface VersionAssets { version: SiteVersionSummary; assets: VersionAssetRow[] }

/** What changed from version `from` to version `to` of a site (assets by kind and URL). */
export interface VersionDiff {
  host: string;
  from: SiteVersionSummary;
  to: SiteVersionSummary;
  added: VersionAssetRow[];
  removed: VersionAssetRow[];
  changed: { kind: AssetKind; url: string; before: { digest: string; size: number }; after: { digest: string; size: number } }[];
  unchanged: number;
}
