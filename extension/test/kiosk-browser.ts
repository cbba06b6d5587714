/**
 * Test harness: Chromium with the unpacked kiosk extension (dist/extension/chromium),
 * configured through the options page's pilot configuration, and the background's
 * status as the tests read it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium, type BrowserContext, type Worker } from 'playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium';

const root = path.resolve(import.meta.dirname, '../..');
export const EXTENSION_DIR = path.join(root, 'dist', 'extension', 'chromium');

/** Evaluated inside the extension's service worker, where `chrome` exists. */
declare const chrome: {
  storage: { local: { set(items: Record<string, unknown>): Promise<void>; get(k: string): Promise<Record<string, unknown>> } };
};

export interface KioskStatus {
  configured: boolean;
  queuedItems: number;
  queuedBytes: number;
  droppedItems: number;
  droppedEvents: number;
  droppedBytes: number;
  rejected: number;
  uploadedBlobBytes: number;
  /** Resources being read back (fetch in flight, not yet queued). */
  pendingResources: number;
  session?: string;
  lastRefusal?: string;
  lastError?: { at: number; message: string; status?: number; kind: string };
  lastUploadAt?: number;
  oldestQueuedAt?: number;
  received: Record<string, { seqs: number[]; events: number }>;
}

export interface KioskBrowser {
  context: BrowserContext;
  worker: Worker;
  status(): Promise<KioskStatus>;
  /** The queue is empty, nothing is being read back, and nothing new reached the background for a second. */
  drained(timeoutMs?: number): Promise<KioskStatus>;
  /** Replaces the pilot configuration (storage.local), as the options page does. */
  configure(pilot: Record<string, unknown>): Promise<void>;
  pilot(): Promise<Record<string, unknown>>;
  /** Retry uploads now instead of at the next backoff step. */
  kick(): Promise<void>;
  close(): Promise<void>;
}

export async function launchKiosk(profileDir: string, pilot: Record<string, unknown>, viewport = { width: 1280, height: 800 }): Promise<KioskBrowser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH,
    headless: true,
    viewport,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  // Bounded: a service worker that stopped answering would otherwise hang the suite.
  const status = (): Promise<KioskStatus> => Promise.race([
    worker.evaluate(() => (globalThis as unknown as { verbatimStatus: () => Promise<KioskStatus> }).verbatimStatus()),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the extension background did not answer within 15 s')), 15_000).unref()),
  ]);
  const configure = (cfg: Record<string, unknown>) => worker.evaluate((c) => chrome.storage.local.set({ pilotConfig: c }), cfg);
  await configure(pilot);
  // Chromium answers the first storage.managed read only once policies are loaded (seconds after start);
  // on a loaded machine the write is repeated now and then, and the wait is bounded (a failure, not a hang).
  for (let tries = 1; !(await status()).configured; tries += 1) {
    assert.ok(tries < 600, 'the extension never reported itself configured');
    if (tries % 100 === 0) await configure(pilot);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    context,
    worker,
    status,
    configure,
    pilot: async () => (await worker.evaluate(() => chrome.storage.local.get('pilotConfig'))).pilotConfig as Record<string, unknown>,
    kick: () => worker.evaluate(() => (globalThis as unknown as { verbatimKick: () => void }).verbatimKick()),
    async drained(timeoutMs = 45_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      let stableSince = Date.now();
      for (;;) {
        const s = await status();
        const seen = JSON.stringify([s.received, s.pendingResources]);
        if (seen !== last) {
          last = seen;
          stableSince = Date.now();
        }
        if (s.queuedItems === 0 && !s.pendingResources && Date.now() - stableSince >= 1000) return s;
        if (Date.now() > until) throw new Error(`queue not drained: ${JSON.stringify({ ...s, received: undefined })}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    close: () => context.close(),
  };
}
