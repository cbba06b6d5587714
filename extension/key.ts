/**
 * Extension ids. Chromium's is not fixed here: it derives from the bank's signing
 * key (extension/signing-key.ts), which `npm run build` puts into the manifest's
 * `key` and signs the CRX with, and prints (extensionIdOf in crx.ts).
 */
/** Firefox ids are chosen, not derived. */
export const FIREFOX_EXTENSION_ID = 'verbatim-kiosk@verbatim.invalid';
