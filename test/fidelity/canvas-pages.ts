/**
 * Fidelity pages for canvases the replay must draw without a scripting context
 * (issue 11, items 1 and 2): a canvas drawn only while the page loads, before the
 * recorder starts (it starts after `load`), and a chart made with the real
 * Chart.js package (drawn before recording, then updated by a click, which is
 * recorded as canvas commands). Versioned like the rest of site.ts: version 2
 * draws other shapes, data and colours.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type Version = 1 | 2;
interface Colours { bg: string; fg: string; accent: string; box: string }
interface Reply { status?: number; type: string; body: string | Buffer; headers?: Record<string, string> }

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const BASE = '<link rel="stylesheet" href="/base.css">';
const page = (title: string, head: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;

/** Chart.js as published on npm (UMD build), served by the site as a site would. */
const chartJs = readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js'));

export function canvasPages(): Record<string, () => { type: string; body: string }> {
  return {
    '/canvas-before': () => ({
      type: HTML,
      body: page('Canvas drawn before recording', BASE,
        `<h1>Canvas drawn before the recorder starts</h1><canvas id="c" width="600" height="260">fallback text</canvas>
<p class="box">Below the canvas: moves up if the canvas collapses</p>
<script src="/canvas-before/draw.js"></script><script>document.body.dataset.ready='true'</script>`),
    }),
    '/chartjs': () => ({
      type: HTML,
      body: page('Chart.js', `${BASE}<style>.chart{width:640px;height:320px}</style>`,
        `<h1>Chart.js</h1><div class="chart"><canvas id="chart"></canvas></div>
<p>Text below the chart</p><button id="update" type="button">Show next quarter</button> <button id="redraw" type="button">Redraw</button>
<script src="/vendor/chart.umd.js"></script><script src="/chartjs/chart.js"></script>`),
    }),
  };
}

export function canvasAsset(path: string, v: Version, p: Colours): Reply | undefined {
  switch (path) {
    case '/canvas-before/draw.js': return { type: JS, body: drawBefore(v, p) };
    case '/vendor/chart.umd.js': return { type: JS, body: chartJs };
    case '/chartjs/chart.js': return { type: JS, body: chart(v, p) };
  }
  return undefined;
}

/** Runs while the page parses: every pixel exists before `load`, so before any recorder. */
function drawBefore(v: Version, p: Colours): string {
  return `
const ctx = document.getElementById('c').getContext('2d');
ctx.fillStyle = '${p.bg}'; ctx.fillRect(0, 0, 600, 260);
ctx.fillStyle = '${p.box}'; ctx.fillRect(20, 20, ${v === 1 ? 360 : 120}, 100);
ctx.globalAlpha = 0.6; ctx.fillStyle = '${p.accent}'; ctx.beginPath(); ctx.arc(${v === 1 ? 420 : 160}, 150, 80, 0, Math.PI * 2); ctx.fill();
ctx.globalAlpha = 1; ctx.strokeStyle = '${p.fg}'; ctx.lineWidth = 6; ctx.beginPath(); ctx.moveTo(20, 240); ctx.lineTo(580, ${v === 1 ? 180 : 240}); ctx.stroke();
ctx.font = '30px sans-serif'; ctx.fillStyle = '${p.fg}'; ctx.fillText('${v === 1 ? 'drawn before recording' : 'VERSION 2'}', 40, 210);`;
}

/**
 * A bar chart, drawn as the page loads (before the recorder starts); the button shows other data, recorded as
 * commands. Without animations: an animated chart records about 25 KB of commands per frame (60 frames a
 * second), which the recorder's transport takes seconds to upload (one upload of ~56 KB a second), longer
 * than the suite waits before it closes the page; that loss is the transport's, not the replay's.
 */
function chart(v: Version, p: Colours): string {
  const first = v === 1 ? [12, 19, 7, 15] : [3, 3, 3, 3];
  const next = v === 1 ? [9, 14, 18, 11] : [1, 2, 1, 2];
  return `
const chart = new Chart(document.getElementById('chart'), {
  type: 'bar',
  data: { labels: ['Jan', 'Feb', 'Mar', 'Apr'], datasets: [
    { label: 'Card spending', data: ${JSON.stringify(first)}, backgroundColor: '${p.box}', borderColor: '${p.fg}', borderWidth: 2 },
    { label: 'Transfers', data: ${JSON.stringify(first.map((n) => n / 2))}, backgroundColor: '${p.accent}' },
  ] },
  options: {
    responsive: true, maintainAspectRatio: false,
    animation: false,
    plugins: { title: { display: true, text: '${v === 1 ? 'Spending by month' : 'VERSION 2'}' } },
  },
});
document.body.dataset.ready = 'true';
// Only the canvas changes (no DOM, no marker): the analytics test's click that a redraw alone answers.
document.getElementById('redraw').addEventListener('click', () => chart.update('none'));
document.getElementById('update').addEventListener('click', () => {
  document.body.dataset.ready = 'false';
  chart.data.labels = ['May', 'Jun', 'Jul', 'Aug'];
  chart.data.datasets[0].data = ${JSON.stringify(next)};
  chart.data.datasets[1].data = ${JSON.stringify(next.map((n) => n / 3))};
  chart.update('none');
  document.body.dataset.ready = 'true';
});`;
}
