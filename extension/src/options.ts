/** The options page: a pilot configuration when no policy manages the terminal, and the queue's state. */
import browser from 'webextension-polyfill';
import { PILOT_KEY, normalizeConfig } from './config';

const form = document.getElementById('form') as HTMLFormElement;
const field = (id: string) => document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement;
const LISTS = ['allowUrls', 'denyUrls', 'maskSelectors'];
const TEXTS = ['collectorUrl', 'terminalId', 'enrolmentToken', 'homeUrl'];

async function load(): Promise<void> {
  let managed: Record<string, unknown> = {};
  try {
    managed = await browser.storage.managed.get();
  } catch {
    /* not managed */
  }
  (document.getElementById('managed') as HTMLElement).hidden = !normalizeConfig(managed);
  const saved = ((await browser.storage.local.get(PILOT_KEY))[PILOT_KEY] ?? {}) as Record<string, unknown>;
  for (const id of TEXTS) field(id).value = typeof saved[id] === 'string' ? (saved[id] as string) : '';
  for (const id of LISTS) field(id).value = Array.isArray(saved[id]) ? (saved[id] as string[]).join('\n') : '';
  if (typeof saved.idleTimeoutSeconds === 'number') field('idleTimeoutSeconds').value = String(saved.idleTimeoutSeconds);
  await showStatus();
}

async function showStatus(): Promise<void> {
  const s = (await browser.runtime.sendMessage({ kind: 'status' })) as Record<string, unknown> | undefined;
  (document.getElementById('status') as HTMLElement).textContent = s
    ? `Configured: ${s.configured ? 'yes' : 'no'}\nQueued: ${s.queuedItems} items (${s.queuedBytes} bytes)\nDropped while offline: ${s.droppedItems} items, ${s.droppedEvents} events (${s.droppedBytes} bytes)\nRefused by the collector: ${s.rejected}`
    : '';
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const value: Record<string, unknown> = {};
  for (const id of TEXTS) value[id] = field(id).value.trim();
  for (const id of LISTS) value[id] = field(id).value.split('\n').map((l) => l.trim()).filter(Boolean);
  value.idleTimeoutSeconds = Number(field('idleTimeoutSeconds').value) || 300;
  void browser.storage.local.set({ [PILOT_KEY]: value }).then(showStatus);
});

void load();
