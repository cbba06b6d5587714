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

const when = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toLocaleString() : 'never');

async function showStatus(): Promise<void> {
  const s = (await browser.runtime.sendMessage({ kind: 'status' })) as Record<string, any> | undefined;
  const box = document.getElementById('status') as HTMLElement;
  const error = document.getElementById('error') as HTMLElement;
  if (!s) {
    box.textContent = '';
    return;
  }
  box.textContent = [
    `Configured: ${s.configured ? `yes (${s.configSource}), collector ${s.collectorUrl}, terminal ${s.terminalId}` : 'no'}`,
    `Queued: ${s.queuedItems} items (${s.queuedBytes} bytes)${s.oldestQueuedAt ? `, oldest from ${when(s.oldestQueuedAt)}` : ''}`,
    `Last delivered to the collector: ${when(s.lastUploadAt)}`,
    `Dropped while offline (queue full): ${s.droppedItems} items, ${s.droppedEvents} events (${s.droppedBytes} bytes)`,
    `Refused by the collector (invalid items): ${s.rejected}`,
  ].join('\n');
  // The last error, while it is current (nothing delivered since): what is wrong and what to do.
  const e = s.lastError as { at: number; kind: string; message: string } | undefined;
  const current = e && (!s.lastUploadAt || e.at > s.lastUploadAt);
  error.hidden = !current;
  error.textContent = current ? `Upload error (${e.kind}, ${when(e.at)}): ${e.message}` : '';
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
// The queue drains and errors clear while the page is open.
setInterval(() => void showStatus(), 2000);
