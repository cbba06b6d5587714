/**
 * The click map page (`/analytics/clickmap`, analysts and compliance): pick a page (URL pattern) and one of its site
 * versions (analytics/site-version.ts: maps are drawn per version, so a map never mixes two layouts) over a period.
 * The page is drawn as it was, from the archive: the replay of a representative session paused on that page (the
 * viewer's Replayer in its sandboxed iframe, never the live site), shown whole (the frame grown to the document's
 * height). Each element's clicks are located by their stable selector in the replayed DOM and drawn at its box, at
 * the clicks' mean position inside it; colour and shape tell clicks, dead and rage clicks apart. A strip beside the
 * page shows how far down the views scrolled. Everything drawn is also listed in a table (keyboard and screen
 * readers). `data-clickmap-ready="true"` on <html> once drawn.
 */
import { Replayer, type eventWithTime } from 'rrweb';
import { clear, h } from './dom';
import { formatDateTime } from './format';
import { getEvents } from './api';
import { getClickMap, listClickMapPages, type ClickMap, type ClickMapPage } from './fields-api';
import { percent, periodPicker, withProgress } from './analytics-controls';
import { waitForReplayResources } from './readiness';
import { boxIn, deepQuery } from './deep-select';

/** Hotspot diameter for one click and the most-clicked element, px. */
const MIN_SIZE = 14;
const MAX_SIZE = 44;

export async function renderClickMapPage(root: HTMLElement): Promise<void> {
  document.title = 'Click maps · Verbatim';
  document.documentElement.dataset.view = 'list';
  document.documentElement.dataset.clickmapReady = 'false';
  const status = h('p', { class: 'list-status analytics-status', role: 'status', 'aria-live': 'polite' });
  const pagePick = h('select', { id: 'clickmap-page', onchange: () => { fillVersions(); void draw(); } }) as HTMLSelectElement;
  const versionPick = h('select', { id: 'clickmap-version', onchange: () => void draw() }) as HTMLSelectElement;
  const canvas = h('div', { class: 'clickmap-canvas' });
  const legend = h('div', { class: 'clickmap-legend' });
  let pages: ClickMapPage[] = [];
  const period = periodPicker(() => void load());
  clear(root);
  root.append(h('section', { class: 'list-view analytics-view clickmap-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Click maps'), h('a', { href: '/analytics/fields' }, 'Field analytics'), h('a', { href: '/' }, 'All sessions')),
    h('div', { class: 'analytics-controls' }, period.el,
      h('label', { for: 'clickmap-page' }, 'Page'), pagePick, h('label', { for: 'clickmap-version' }, 'Site version'), versionPick),
    h('p', { class: 'clickmap-key' }, h('span', { class: 'hotspot-key click' }), ' clicks ', h('span', { class: 'hotspot-key dead' }), ' dead clicks ',
      h('span', { class: 'hotspot-key rage' }), ' rage clicks'),
    status, canvas, legend));

  const pageKeys = () => [...new Set(pages.map((p) => `${p.host}${p.url}`))];
  const fillVersions = (): void => {
    const key = pagePick.value;
    versionPick.replaceChildren(...pages.map((p, i) => ({ p, i })).filter(({ p }) => `${p.host}${p.url}` === key).map(({ p, i }) =>
      h('option', { value: String(i) }, `${p.version || 'unknown'} · ${p.clicks} clicks · ${formatDateTime(p.firstAt)} – ${formatDateTime(p.lastAt)}`)));
  };
  const draw = async (): Promise<void> => {
    document.documentElement.dataset.clickmapReady = 'false';
    clear(canvas);
    clear(legend);
    const page = pages[Number(versionPick.value)];
    if (!page) return;
    const map = await withProgress(status, 'Computing the click map', () => getClickMap(page, period.period()));
    if (!map) return;
    await withProgress(status, 'Drawing the page as it was', () => drawMap(canvas, legend, map));
    document.documentElement.dataset.clickmapReady = 'true';
  };
  const load = async (): Promise<void> => {
    const list = await withProgress(status, 'Finding pages', () => listClickMapPages(period.period()));
    if (!list) return;
    pages = list;
    pagePick.replaceChildren(...pageKeys().map((k) => h('option', { value: k }, k)));
    const wanted = new URLSearchParams(location.search);
    if (wanted.get('host') && wanted.get('url')) pagePick.value = `${wanted.get('host')}${wanted.get('url')}`;
    fillVersions();
    const v = pages.findIndex((p) => `${p.host}${p.url}` === pagePick.value && p.version === wanted.get('version'));
    if (v >= 0) versionPick.value = String(v);
    if (!pages.length) status.textContent = 'No clicks were recorded in this period.';
    await draw();
  };
  await load();
}

async function drawMap(canvas: HTMLElement, legend: HTMLElement, map: ClickMap): Promise<void> {
  const located = new Map<string, DOMRect | undefined>();
  if (map.snapshot) {
    const { events } = await getEvents(map.snapshot.sessionId, { at: map.snapshot.at });
    const stage = h('div', { class: 'clickmap-stage' });
    const replayRoot = h('div', { class: 'clickmap-replay' });
    const overlay = h('div', { class: 'clickmap-overlay', 'aria-hidden': 'true' });
    stage.append(replayRoot, overlay);
    canvas.append(stage, scrollStrip(map));
    const replayer = new Replayer(events as unknown as eventWithTime[], {
      root: replayRoot, mouseTail: false, showWarning: false, showDebug: false, triggerFocus: false, pauseAnimation: true,
      insertStyleRules: ['* { overflow-anchor: none !important; }'],
    });
    const first = events[0]!.timestamp;
    await new Promise((r) => setTimeout(r, 0));
    replayer.pause(Math.max(0, map.snapshot.at - first));
    const iframe = replayer.iframe;
    await waitForReplayResources(iframe);
    const doc = iframe.contentDocument!;
    // Shown whole: the frame as tall as the document, scrolled to its top, so boxes are document coordinates.
    iframe.contentWindow?.scrollTo(0, 0);
    const height = Math.max(doc.documentElement.scrollHeight, doc.body?.scrollHeight ?? 0, iframe.clientHeight);
    iframe.style.height = `${height}px`;
    iframe.setAttribute('height', String(height));
    await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    iframe.contentWindow?.scrollTo(0, 0);
    overlay.style.width = `${iframe.clientWidth}px`;
    overlay.style.height = `${height}px`;
    const most = Math.max(1, ...map.hotspots.map((s) => s.clicks));
    for (const spot of map.hotspots) {
      // Into shadow roots and iframes too: web components' buttons and fields are named through their hosts.
      const el = deepQuery(doc, spot.selector);
      const box = el ? boxIn(doc, el) : undefined;
      located.set(spot.selector, box && box.width + box.height > 0 ? box : undefined);
      if (!box || box.width + box.height === 0) continue;
      const x = box.left + (spot.fx ?? 0.5) * box.width;
      const y = box.top + (spot.fy ?? 0.5) * box.height;
      const size = Math.round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * Math.sqrt(spot.clicks / most));
      const kind = spot.rage ? 'rage' : spot.dead ? 'dead' : 'click';
      overlay.append(h('div', {
        class: `hotspot ${kind}`, 'data-selector': spot.selector, 'data-x': x.toFixed(1), 'data-y': y.toFixed(1),
        style: `left:${x - size / 2}px;top:${y - size / 2}px;width:${size}px;height:${size}px`,
        title: `${spot.selector}: ${spot.clicks} clicks, ${spot.dead} dead, ${spot.rage} rage`,
      }, String(spot.clicks)));
    }
    legend.append(h('p', { class: 'muted' }, 'Drawn on ', h('a', { href: `/sessions/${encodeURIComponent(map.snapshot.sessionId)}?at=${map.snapshot.at}` },
      `the replay of a session at ${formatDateTime(map.snapshot.at)}`), ' (archived resources only).'));
  } else {
    canvas.append(h('p', { class: 'muted' }, 'No page view to draw this map on.'));
  }
  legend.append(h('table', { class: 'session-table analytics-table' },
    h('caption', {}, 'Clicks per element'),
    h('thead', {}, h('tr', {}, ...['Element', 'Clicks', 'Dead', 'Rage', 'On this snapshot'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...map.hotspots.map((s) => h('tr', { 'data-selector': s.selector },
      h('th', { scope: 'row' }, h('code', {}, s.selector)), h('td', {}, String(s.clicks)), h('td', {}, String(s.dead)), h('td', {}, String(s.rage)),
      h('td', {}, located.get(s.selector) ? 'yes' : 'not found (shown only after an interaction?)'))))));
}

function scrollStrip(map: ClickMap): HTMLElement {
  return h('ol', { class: 'scroll-strip', 'aria-label': `Scroll depth over ${map.scroll.views} page views` },
    ...map.scroll.reached.slice(1).map((share, i) => h('li', {
      class: 'scroll-band', style: `--reached:${share.toFixed(3)}`, title: `${percent(share)} of views reached ${(i + 1) * 10} %`,
    }, h('span', {}, `${(i + 1) * 10} %: ${percent(share)}`))));
}
