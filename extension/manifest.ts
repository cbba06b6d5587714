/**
 * The two manifests. Chromium: MV3 service worker; `key` (the bank's signing key's
 * public half) fixes the id of the unpacked build to the CRX's, and `update_url`
 * is where force-installed copies look for updates.
 * Firefox: MV3 with an event-page background (`background.scripts`), a gecko id
 * and webRequest body filtering.
 */
import { FIREFOX_EXTENSION_ID } from './key';

export type BrowserFamily = 'chromium' | 'firefox';

export { FIREFOX_EXTENSION_ID };

export interface ChromiumSigning {
  /** Base64 SubjectPublicKeyInfo of the signing key. */
  publicKey: string;
  /** The update manifest's URL (update.xml). */
  updateUrl: string;
}

export function manifestFor(family: BrowserFamily, version: string, signing?: ChromiumSigning): Record<string, unknown> {
  const contentScripts = [
    // Listed first: it must answer the main world's hello (src/handshake.ts).
    { matches: ['http://*/*', 'https://*/*'], js: ['isolated.js'], run_at: 'document_start', all_frames: true, match_about_blank: true },
    { matches: ['http://*/*', 'https://*/*'], js: ['main-world.js', 'recorder.js'], run_at: 'document_start', all_frames: true, match_about_blank: true, world: 'MAIN' },
  ];
  const common = {
    manifest_version: 3,
    name: 'Verbatim kiosk recorder',
    short_name: 'Verbatim',
    version,
    description: 'Records kiosk and branch-terminal sessions into a Verbatim store.',
    permissions: ['storage', 'alarms', 'unlimitedStorage'],
    host_permissions: ['http://*/*', 'https://*/*'],
    content_scripts: contentScripts,
    options_ui: { page: 'options.html', open_in_tab: true },
    storage: { managed_schema: 'managed-schema.json' },
  };
  if (family === 'chromium') {
    return {
      ...common,
      // webRequest (observing only): Chromium's reason when an upload fails (DNS, TLS), which fetch hides.
      permissions: [...common.permissions, 'webRequest'],
      ...(signing ? { key: signing.publicKey, update_url: signing.updateUrl } : {}),
      minimum_chrome_version: '111', background: { service_worker: 'background.js' },
    };
  }
  return {
    ...common,
    permissions: [...common.permissions, 'webRequest', 'webRequestBlocking', 'webRequestFilterResponse'],
    background: { scripts: ['background.js'] },
    browser_specific_settings: {
      gecko: {
        id: FIREFOX_EXTENSION_ID,
        strict_min_version: '128.0',
        data_collection_permissions: { required: ['websiteActivity', 'websiteContent'] },
      },
    },
  };
}
