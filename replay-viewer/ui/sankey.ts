/**
 * The journey map drawn as a Sankey diagram in SVG (no chart library: a few dozen rects and curves, docs/ARCHITECTURE.md).
 * Column d holds the d-th pages of the paths; a link's width is its sessions; a link to "(exit)" ends at an exit
 * node in the next column. Every link is a keyboard-operable button (Tab, Enter or Space) naming its counts.
 */
import type { JourneyReport } from './analytics-api';

const NS = 'http://www.w3.org/2000/svg';
const EXIT = '(exit)';
const NODES_PER_COLUMN = 8;
const COLUMN_W = 190;
const NODE_W = 12;
const HEIGHT = 420;
const GAP = 10;

type Link = JourneyReport['links'][number];
interface Node { col: number; url: string; sessions: number; y: number; h: number; outY: number; inY: number }

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function drawSankey(r: JourneyReport, onPick: (link: Link) => void): SVGSVGElement {
  const cols = r.columns.length + 1;
  const nodes = new Map<string, Node>();
  const key = (col: number, url: string) => `${col}\n${url}`;
  const colTotals: number[] = [];
  for (let d = 0; d < cols; d++) {
    const list = (r.columns[d] ?? []).slice(0, NODES_PER_COLUMN).map((c) => ({ url: c.url, sessions: c.sessions }));
    const exits = r.links.filter((l) => l.to === EXIT && l.step === d - 1).reduce((n, l) => n + l.sessions, 0);
    if (exits) list.push({ url: EXIT, sessions: exits });
    colTotals[d] = list.reduce((n, x) => n + x.sessions, 0);
    list.forEach((x) => nodes.set(key(d, x.url), { col: d, url: x.url, sessions: x.sessions, y: 0, h: 0, outY: 0, inY: 0 }));
  }
  const maxCount = Math.max(1, ...colTotals.map((t, d) => t + 0 * d));
  const maxNodes = Math.max(1, ...Array.from({ length: cols }, (_, d) => [...nodes.values()].filter((n) => n.col === d).length));
  const scale = (HEIGHT - GAP * (maxNodes - 1)) / maxCount;
  for (let d = 0; d < cols; d++) {
    let y = 0;
    for (const n of [...nodes.values()].filter((x) => x.col === d)) {
      n.y = y;
      n.h = Math.max(2, n.sessions * scale);
      n.outY = n.inY = y;
      y += n.h + GAP;
    }
  }
  const width = cols * COLUMN_W;
  const svg = el('svg', { class: 'sankey', viewBox: `-4 -4 ${width + 8} ${HEIGHT + 8}`, width: width + 8, height: HEIGHT + 8, role: 'group', 'aria-label': `Journey map of ${r.sessions} sessions` });
  const linkLayer = el('g', { class: 'sankey-links' });
  const nodeLayer = el('g', { class: 'sankey-nodes' });
  svg.append(linkLayer, nodeLayer);
  for (const l of r.links) {
    const a = nodes.get(key(l.step, l.from));
    const b = nodes.get(key(l.step + 1, l.to));
    if (!a || !b) continue;
    const w = Math.max(1.5, l.sessions * scale);
    const x0 = a.col * COLUMN_W + NODE_W;
    const x1 = b.col * COLUMN_W;
    const y0 = a.outY + w / 2;
    const y1 = b.inY + w / 2;
    a.outY += w;
    b.inY += w;
    const mid = (x0 + x1) / 2;
    const label = `${l.sessions} sessions went from ${l.from} to ${l.to === EXIT ? 'leaving the site' : l.to} (step ${l.step + 1})`;
    const path = el('path', {
      class: `sankey-link${l.to === EXIT ? ' exit' : ''}`, d: `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}`, 'stroke-width': w,
      tabindex: 0, role: 'button', 'aria-label': label, 'data-step': l.step, 'data-from': l.from, 'data-to': l.to,
    });
    path.append(el('title', {}, label));
    const pick = () => onPick(l);
    path.addEventListener('click', pick);
    path.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); }
    });
    linkLayer.append(path);
  }
  for (const n of nodes.values()) {
    const x = n.col * COLUMN_W;
    nodeLayer.append(el('rect', { class: `sankey-node${n.url === EXIT ? ' exit' : ''}`, x, y: n.y, width: NODE_W, height: n.h }));
    const t = el('text', { class: 'sankey-label', x: x + NODE_W + 4, y: n.y + Math.min(n.h / 2, 12) + 4 }, `${n.url === EXIT ? 'left' : n.url} · ${n.sessions}`);
    nodeLayer.append(t);
  }
  return svg;
}
