/**
 * Runs in the page's main world at document_start, just before the recorder
 * bundle (the same dist/recorder/recorder.js the proxy serves). It only tells
 * the recorder to hand its uploads to the extension under the per-page secret.
 */
import { EXTENSION_ENDPOINT } from '../../recorder/protocol';
import { ACK_EVENT, HELLO_EVENT, SECRET_EVENT } from './handshake';

try {
  let secret = '';
  const take = (e: Event): void => {
    const detail = (e as CustomEvent<unknown>).detail;
    if (typeof detail === 'string' && !secret) secret = detail;
  };
  document.addEventListener(SECRET_EVENT, take);
  document.dispatchEvent(new CustomEvent(HELLO_EVENT));
  document.removeEventListener(SECRET_EVENT, take);
  if (secret) {
    document.dispatchEvent(new CustomEvent(ACK_EVENT));
    window.__verbatimConfig = { token: secret, endpoint: EXTENSION_ENDPOINT };
  }
} catch {
  /* never disturb the page */
}
