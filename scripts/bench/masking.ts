/**
 * What masking costs per captured body: µs for a 20 KB HTML page and a 200 KB
 * minified script (clean: the usual case), the same with one card number in
 * them (the masking path), a 200 KB JSON answer, 200 KB of binary, and a
 * recorder upload through the event masker. `npx tsx scripts/bench/masking.ts`.
 * Runs in the process it is started in: keep the machine otherwise quiet.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_POLICY, EventMasker, maskBody } from '../../proxy/masking/index';

const root = path.resolve(import.meta.dirname, '../..');
const filler = Array.from({ length: 400 }, (_, i) => `<p class="row-${i % 7}">Statement line ${i}: card payment, reference ${(i * 7919) % 100000} &amp; fee 1.50&nbsp;EUR</p>`).join('\n');
const html = (`<!doctype html><html><head><meta charset="utf-8"><title>Account</title></head><body><h1>Statement</h1>${filler}`).slice(0, 20 * 1024 - 14) + '</body></html>';
const js = readFileSync(path.join(root, 'node_modules/rrweb/dist/rrweb.umd.min.cjs'), 'latin1').slice(0, 200 * 1024);
const json = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, date: `2026-01-${String(i % 28 + 1).padStart(2, '0')}`, amount: (i * 37) % 1000 / 10, text: `Payment ${i} ref ${(i * 7919) % 100000}` }))).slice(0, 200 * 1024);
const binary = randomBytes(200 * 1024);
const pan = ' 4111 1111 1111 1111 ';
const withPan = (s: string) => s.slice(0, s.length >> 1) + pan + s.slice(s.length >> 1);

function time(label: string, fn: () => unknown, minMs = 1500): void {
  for (let i = 0; i < 20; i++) fn();
  const runs: number[] = [];
  const end = performance.now() + minMs;
  while (performance.now() < end) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  const median = runs[runs.length >> 1]! * 1000;
  const p90 = runs[Math.floor(runs.length * 0.9)]! * 1000;
  console.log(`${label.padEnd(44)} median ${median.toFixed(0).padStart(6)} µs   p90 ${p90.toFixed(0).padStart(6)} µs   (${runs.length} runs)`);
}

async function timeAsync(label: string, fn: () => Promise<unknown>, minMs = 1500): Promise<void> {
  for (let i = 0; i < 20; i++) await fn();
  const runs: number[] = [];
  const end = performance.now() + minMs;
  while (performance.now() < end) {
    const t = performance.now();
    await fn();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  const median = runs[runs.length >> 1]! * 1000;
  const p90 = runs[Math.floor(runs.length * 0.9)]! * 1000;
  console.log(`${label.padEnd(44)} median ${median.toFixed(0).padStart(6)} µs   p90 ${p90.toFixed(0).padStart(6)} µs   (${runs.length} runs)`);
}

const bodies: [string, Buffer, string][] = [
  ['20 KB HTML, clean', Buffer.from(html), 'text/html; charset=utf-8'],
  ['20 KB HTML, one card number', Buffer.from(withPan(html)), 'text/html; charset=utf-8'],
  ['200 KB minified JS, clean', Buffer.from(js, 'latin1'), 'application/javascript'],
  ['200 KB minified JS, one card number', Buffer.from(withPan(js), 'latin1'), 'application/javascript'],
  ['200 KB JSON, clean', Buffer.from(json), 'application/json'],
  ['200 KB JSON, one card number', Buffer.from(json.replace('"Payment 1000 ', `"Payment 1000${pan}`)), 'application/json'],
  ['200 KB binary (image/png)', binary, 'image/png'],
];
for (const [label, bytes, type] of bodies) {
  await timeAsync(`maskBody ${label}`, () => maskBody(DEFAULT_POLICY, bytes, type, '', false));
}

const upload = {
  token: 't', page: { id: 'p', url: 'https://bank.test/' }, seq: 0,
  events: Array.from({ length: 200 }, (_, i) => ({ type: 3, timestamp: 1_763_912_345_737 + i, data: { source: 0, texts: [], attributes: [], removes: [], adds: [{ parentId: 1, node: { type: 3, id: 100 + i, textContent: `Statement line ${i}: reference ${(i * 7919) % 100000}` } }] } })),
};
const raw = JSON.stringify(upload);
const masker = new EventMasker(DEFAULT_POLICY);
time(`events: 200 mutations (${(raw.length / 1024).toFixed(0)} KB upload)`, () => masker.maskEvents('s', 'p', upload.events, raw));
