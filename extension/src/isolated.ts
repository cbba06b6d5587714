/**
 * The isolated-world content script (every frame, document_start). It makes the
 * per-page secret, receives the recorder's uploads under it, tags elements the
 * masking rules name, and (on Chromium) reads the page's resources back from the
 * HTTP cache so their bodies reach the store.
 */
import browser from 'webextension-polyfill';
import { extensionEventType } from '../../recorder/protocol';
import { ACK_EVENT, HELLO_EVENT, SECRET_EVENT } from './handshake';
import type { PageConfig } from './messages';
import { watchResources } from './resources';

const secret = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
const top = window === window.top;
const announce = (): void => {
  document.dispatchEvent(new CustomEvent(SECRET_EVENT, { detail: secret }));
};
document.addEventListener(HELLO_EVENT, announce);
document.addEventListener(ACK_EVENT, () => document.removeEventListener(HELLO_EVENT, announce), { once: true });

// Observing starts now, before the configuration arrives, so no resource entry is missed.
const resources = watchResources();
const pageConfig: Promise<PageConfig | undefined> = browser.runtime
  .sendMessage({ kind: 'page-config', url: location.href, top })
  .then((c) => c as PageConfig | undefined, () => undefined);

// Uploads wait for the page's config (a few ms), then go in order.
let chain: Promise<unknown> = Promise.resolve();
document.addEventListener(extensionEventType(secret), (e) => {
  const body = (e as CustomEvent<unknown>).detail;
  if (typeof body !== 'string') return;
  chain = chain
    .then(() => pageConfig)
    .then((c) => (c?.record ? browser.runtime.sendMessage({ kind: 'upload', body }) : undefined))
    .catch(() => undefined);
});

void pageConfig.then((c) => {
  if (!c?.record || !c.refetch) resources.stop();
  if (!c?.record) return;
  if (c.maskSelectors.length) tagMasked(c.maskSelectors.join(','));
  if (c.refetch) resources.start((msg) => browser.runtime.sendMessage(msg).then(() => undefined, () => undefined));
});

/** Marks matching elements with the recorder's mask attribute, as they appear. */
function tagMasked(selector: string): void {
  const mark = (root: ParentNode): void => {
    try {
      if (root instanceof Element && root.matches(selector)) root.setAttribute('data-verbatim-mask', '');
      for (const el of root.querySelectorAll(selector)) el.setAttribute('data-verbatim-mask', '');
    } catch {
      /* an invalid selector from the policy must not break the page */
    }
  };
  mark(document);
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n instanceof Element) mark(n);
  }).observe(document, { childList: true, subtree: true });
}
