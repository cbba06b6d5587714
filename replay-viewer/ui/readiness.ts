/**
 * Waits until the replay iframe shows the moment fully: stylesheets applied, images
 * (including CSS backgrounds) loaded and decoded, web fonts loaded, layout settled.
 * Every wait is capped, so a missing resource delays readiness, never blocks it.
 */

const PER_RESOURCE_TIMEOUT_MS = 5_000;
const OVERALL_TIMEOUT_MS = 15_000;
const SETTLE_MS = 100;
/** Enough elements to cover real pages; computed styles of more would cost more than they tell. */
const MAX_STYLED_ELEMENTS = 5_000;

export async function waitForReplayResources(iframe: HTMLIFrameElement): Promise<void> {
  const work = (async () => {
    const doc = iframe.contentDocument;
    if (doc) await waitForDocument(doc, 0);
  })();
  await Promise.race([work, sleep(OVERALL_TIMEOUT_MS)]);
  await nextFrames(2);
  await sleep(SETTLE_MS);
}

async function waitForDocument(doc: Document, depth: number): Promise<void> {
  const win = doc.defaultView;
  if (!win || !doc.documentElement) return;

  await Promise.all(Array.from(doc.querySelectorAll<HTMLLinkElement>('link[rel~="stylesheet" i]'), waitForStylesheet));

  // Force style and layout so that fonts and CSS images in use start loading.
  void doc.documentElement.getBoundingClientRect();

  const roots = collectRoots(doc);
  const images = roots.flatMap((r) => Array.from(r.querySelectorAll('img')));
  const viewportHeight = win.innerHeight || doc.documentElement.clientHeight;
  await Promise.all([
    ...images.filter((img) => !isOffscreenLazy(img, viewportHeight)).map(waitForImage),
    ...cssImageUrls(roots, win).map((url) => preload(doc, url)),
  ]);

  if (doc.fonts) await Promise.race([doc.fonts.ready, sleep(PER_RESOURCE_TIMEOUT_MS)]);

  // rrweb rebuilds same-origin iframes of the recorded page as nested documents.
  if (depth < 3) {
    const frames = roots.flatMap((r) => Array.from(r.querySelectorAll('iframe')));
    await Promise.all(frames.map((f) => (f.contentDocument ? waitForDocument(f.contentDocument, depth + 1) : undefined)));
  }
}

/** The document and every (open) shadow root in it. */
function collectRoots(doc: Document): (Document | ShadowRoot)[] {
  const roots: (Document | ShadowRoot)[] = [doc];
  for (let i = 0; i < roots.length; i++) {
    for (const el of Array.from(roots[i]!.querySelectorAll('*'))) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  return roots;
}

function waitForStylesheet(link: HTMLLinkElement): Promise<void> {
  if (link.sheet) return Promise.resolve();
  // A sheet that already failed (an archive miss) has no sheet and will fire no more events.
  const perf = link.ownerDocument.defaultView?.performance;
  if (link.href && perf && perf.getEntriesByName(link.href).length > 0) return Promise.resolve();
  return once(link, ['load', 'error']);
}

function waitForImage(img: HTMLImageElement): Promise<void> {
  const loaded = img.complete ? Promise.resolve() : once(img, ['load', 'error']);
  return loaded.then(() => (img.naturalWidth ? withTimeout(img.decode().catch(() => undefined)) : undefined));
}

/** Lazy images below the recorded viewport never load, in the original or in the replay. */
function isOffscreenLazy(img: HTMLImageElement, viewportHeight: number): boolean {
  if (img.complete || img.loading !== 'lazy') return false;
  const rect = img.getBoundingClientRect();
  return rect.top > viewportHeight * 1.5 || rect.bottom < 0;
}

const CSS_IMAGE_PROPS = ['background-image', 'border-image-source', 'list-style-image', 'mask-image', '-webkit-mask-image', 'content'];

/** URLs of images used by computed styles (backgrounds and friends), already resolved by the browser. */
function cssImageUrls(roots: (Document | ShadowRoot)[], win: Window): string[] {
  const urls = new Set<string>();
  let seen = 0;
  for (const root of roots) {
    for (const el of Array.from(root.querySelectorAll('*'))) {
      if (++seen > MAX_STYLED_ELEMENTS) return [...urls];
      for (const pseudo of [null, '::before', '::after']) {
        const style = win.getComputedStyle(el, pseudo);
        for (const prop of CSS_IMAGE_PROPS) {
          const value = style.getPropertyValue(prop);
          if (!value || !value.includes('url(')) continue;
          for (const m of value.matchAll(/url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)\s]*))\s*\)/g)) {
            const url = (m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
            if (url && !url.startsWith('data:')) urls.add(url);
          }
        }
      }
    }
  }
  return [...urls];
}

/** Loads an image through the replay document, so it shares the request the page already made. */
function preload(doc: Document, url: string): Promise<void> {
  const img = doc.createElement('img');
  const done = once(img, ['load', 'error']).then(() => (img.naturalWidth ? withTimeout(img.decode().catch(() => undefined)) : undefined));
  img.src = url;
  return done;
}

function once(target: EventTarget, events: string[]): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => {
    for (const name of events) target.addEventListener(name, () => resolve(), { once: true });
  }));
}

function withTimeout(p: Promise<unknown>): Promise<void> {
  return Promise.race([p.then(() => undefined), sleep(PER_RESOURCE_TIMEOUT_MS)]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** n animation frames, or 250 ms when the page renders no frames (a hidden or throttled tab), whichever is first. */
function nextFrames(n: number): Promise<void> {
  const frames = new Promise<void>((resolve) => {
    const step = (left: number): void => {
      if (left <= 0) resolve();
      else requestAnimationFrame(() => step(left - 1));
    };
    step(n);
  });
  return Promise.race([frames, sleep(250)]);
}
