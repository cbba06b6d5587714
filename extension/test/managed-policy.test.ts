/**
 * Managed configuration: a Chromium policy file (`3rdparty.extensions.<id>`)
 * reaches the extension through storage.managed and wins over the options page.
 * Needs root (policy files live in /etc/chromium/policies/managed); skipped otherwise.
 *
 * @test-lane alone: writes a Chromium policy every browser on the machine reads (scripts/test-lanes.ts).
 */
import assert from 'node:assert/strict';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Worker } from 'playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium';
import { extensionIdOf } from '../crx';

const root = path.resolve(import.meta.dirname, '../..');
/** Evaluated inside the extension's service worker, where `chrome` exists. */
declare const chrome: { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } };
const extensionDir = path.join(root, 'dist', 'extension', 'chromium');
const POLICY_DIR = '/etc/chromium/policies/managed';
const policyFile = path.join(POLICY_DIR, `verbatim-kiosk-test-${process.pid}.json`);
/** The id the build's signing key yields (the manifest's `key`). */
const CHROMIUM_EXTENSION_ID = extensionIdOf((JSON.parse(await readFile(path.join(extensionDir, 'manifest.json'), 'utf8')) as { key: string }).key);

async function canWritePolicies(): Promise<boolean> {
  try {
    await mkdir(POLICY_DIR, { recursive: true });
    await access(POLICY_DIR, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const writable = await canWritePolicies();
let dir: string;
let context: BrowserContext | undefined;
let worker: Worker;

before(async () => {
  if (!writable) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-policy-'));
  await writeFile(policyFile, JSON.stringify({
    '3rdparty': { extensions: { [CHROMIUM_EXTENSION_ID]: {
      collectorUrl: 'http://127.0.0.1:9', terminalId: 'policy-terminal-1', enrolmentToken: 'from-policy',
      allowUrls: ['https://kiosk.example/*'], idleTimeoutSeconds: 120,
    } } },
  }));
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
});

after(async () => {
  await context?.close();
  await rm(policyFile, { force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('managed configuration (Chromium policy)', { skip: writable ? false : 'needs root to write Chromium policy files' }, () => {
  it('the extension id is the one the build printed and wrote into the policy templates', async () => {
    assert.match(worker.url(), new RegExp(`^chrome-extension://${CHROMIUM_EXTENSION_ID}/`));
    assert.equal((await readFile(path.join(root, 'dist', 'extension', 'extension-id.txt'), 'utf8')).trim(), CHROMIUM_EXTENSION_ID);
    const policy = JSON.parse(await readFile(path.join(root, 'dist', 'extension', 'policies', 'chromium-linux-verbatim-kiosk.json'), 'utf8'));
    assert.match(policy.ExtensionInstallForcelist[0], new RegExp(`^${CHROMIUM_EXTENSION_ID};https?://.+/update\\.xml$`));
    assert.ok(policy['3rdparty'].extensions[CHROMIUM_EXTENSION_ID]);
  });

  it('reads its configuration from the policy and prefers it to the options page', async () => {
    await worker.evaluate(() => chrome.storage.local.set({ pilotConfig: { collectorUrl: 'http://127.0.0.1:8', terminalId: 'pilot', enrolmentToken: 'x' } }));
    type S = { configured: boolean; configSource: string; terminalId?: string };
    let s: S;
    const until = Date.now() + 20_000;
    do {
      s = await worker.evaluate(() => (globalThis as unknown as { verbatimStatus: () => Promise<S> }).verbatimStatus());
    } while (s.configSource !== 'policy' && Date.now() < until && (await new Promise((r) => setTimeout(r, 200)), true));
    assert.equal(s.configSource, 'policy');
    assert.equal(s.terminalId, 'policy-terminal-1');
    const page = await context!.newPage();
    await page.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/options.html`);
    await page.waitForSelector('#managed:not([hidden])');
  });
});
