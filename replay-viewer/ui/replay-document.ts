/**
 * rrweb rebuilds a replay frame's document with `document.open()` and never closes it, so the frame stays
 * "loading" and, attached before the viewer's page has loaded (the first frame is drawn while the page's preloaded
 * events still arrive), holds the page's `load` event back for good: the tab's spinner never stops. Closing it once
 * built changes no node (it ends a parser that was never given markup) and lets the page finish loading. No
 * recorded script can run on its `load`: the frame has no allow-scripts, and `http-equiv` (refresh) is dropped by
 * the server (replay/rewrite-events.ts).
 */
export function closeReplayDocument(iframe: HTMLIFrameElement): void {
  const doc = iframe.contentDocument;
  if (doc && doc.readyState !== 'complete') doc.close();
}
