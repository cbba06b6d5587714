/**
 * The build's CRX is what a bank force-installs: the signature verifies with
 * OpenSSL over the bytes Chromium's verifier signs, the id is the one Chromium
 * derives from the key, and Chromium itself installs it by policy
 * (ExtensionInstallForcelist with a self-hosted update.xml, the route the README
 * gives IT), and refuses it with one byte changed. Needs root for
 * /etc/chromium/policies/managed (skipped otherwise); the policy file lives
 * only until the install is seen.
 *
 * @test-lane alone: writes a Chromium policy every browser on the machine reads (scripts/test-lanes.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright';
import { CHROMIUM_PATH } from '../../scripts/chromium';
import { updateManifest } from '../crx';

const root = path.resolve(import.meta.dirname, '../..');
const out = path.join(root, 'dist', 'extension');
const POLICY_DIR = '/etc/chromium/policies/managed';
const policyFile = path.join(POLICY_DIR, `verbatim-crx-test-${process.pid}.json`);

const crx = await readFile(path.join(out, 'verbatim-kiosk.crx'));
const extensionId = (await readFile(path.join(out, 'extension-id.txt'), 'utf8')).trim();
const writable = await mkdir(POLICY_DIR, { recursive: true }).then(() => access(POLICY_DIR, constants.W_OK)).then(() => true, () => false);

/** Reads the CRX3 layout with nothing of crx.ts: magic, version, header length, the protobuf fields we need. */
function parseCrx(file: Buffer): { publicKey: Buffer; signature: Buffer; signedHeaderData: Buffer; archive: Buffer } {
  assert.equal(file.subarray(0, 4).toString('latin1'), 'Cr24');
  assert.equal(file.readUInt32LE(4), 3);
  const headerLength = file.readUInt32LE(8);
  const header = file.subarray(12, 12 + headerLength);
  const fields = (buf: Buffer): Map<number, Buffer[]> => {
    const found = new Map<number, Buffer[]>();
    let i = 0;
    const varint = (): number => {
      let n = 0;
      let shift = 1;
      for (;;) {
        const b = buf[i++]!;
        n += (b & 0x7f) * shift;
        shift *= 128;
        if (b < 0x80) return n;
      }
    };
    while (i < buf.length) {
      const tag = varint();
      assert.equal(tag % 8, 2, 'only length-delimited fields');
      const len = varint();
      const num = Math.floor(tag / 8);
      found.set(num, [...(found.get(num) ?? []), buf.subarray(i, i + len)]);
      i += len;
    }
    return found;
  };
  const top = fields(header);
  const proof = fields(top.get(2)![0]!);
  return { publicKey: proof.get(1)![0]!, signature: proof.get(2)![0]!, signedHeaderData: top.get(10000)![0]!, archive: file.subarray(12 + headerLength) };
}

describe('signed CRX for force-install', () => {
  it('verifies with OpenSSL, and its id is SHA-256(public key)[0..16] in a-p', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-crx-'));
    try {
      const { publicKey, signature, signedHeaderData, archive } = parseCrx(crx);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(signedHeaderData.length);
      await writeFile(path.join(dir, 'signed.bin'), Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), len, signedHeaderData, archive]));
      await writeFile(path.join(dir, 'sig.bin'), signature);
      await writeFile(path.join(dir, 'pub.der'), publicKey);
      const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir }).toString();
      openssl('pkey', '-pubin', '-inform', 'DER', '-in', 'pub.der', '-out', 'pub.pem');
      assert.match(openssl('dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.bin', 'signed.bin'), /Verified OK/);
      const hash = execFileSync('openssl', ['dgst', '-sha256', '-binary', 'pub.der'], { cwd: dir });
      const id = [...hash.subarray(0, 16).toString('hex')].map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('');
      assert.equal(id, extensionId);
      // signed_header_data is SignedData { crx_id = 1 }: the same 16 bytes.
      assert.deepEqual(signedHeaderData, Buffer.concat([Buffer.from([0x0a, 16]), hash.subarray(0, 16)]));
      // The archive is the build's ZIP, whose manifest carries the same key (so the unpacked build has this id too).
      assert.deepEqual(archive, await readFile(path.join(out, 'verbatim-kiosk-chromium.zip')));
      const manifest = JSON.parse(await readFile(path.join(out, 'chromium', 'manifest.json'), 'utf8')) as { key: string; update_url: string };
      assert.equal(manifest.key, publicKey.toString('base64'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  let server: Server | undefined;
  let context: BrowserContext | undefined;
  const profiles: string[] = [];
  after(async () => {
    await rm(policyFile, { force: true });
    await context?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const p of profiles) await rm(p, { recursive: true, force: true });
  });

  type Installed = { id: string; location: string; registry_status: string; disable_reasons: unknown[]; version: string };
  let served = crx;
  const fetched: string[] = [];
  let base = '';

  /** A fresh profile under the force-install policy; resolves with Chromium's entry for the extension, if it installed it within `waitMs`. */
  async function installByPolicy(waitMs: number): Promise<Installed | undefined> {
    if (!server) {
      server = createServer((req, res) => {
        const pathname = new URL(req.url ?? '/', 'http://x').pathname;
        fetched.push(pathname);
        if (pathname === '/update.xml') {
          res.writeHead(200, { 'content-type': 'text/xml' }).end(updateManifest(extensionId, '0.1.0', `${base}/verbatim-kiosk.crx`));
        } else if (pathname === '/page.html') {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>kiosk</title><p>hello</p>');
        } else if (pathname === '/verbatim-kiosk.crx') {
          res.writeHead(200, { 'content-type': 'application/x-chrome-extension' }).end(served);
        } else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    await context?.close();
    await writeFile(policyFile, JSON.stringify({ ExtensionInstallForcelist: [`${extensionId};${base}/update.xml`] }));
    const profile = await mkdtemp(path.join(os.tmpdir(), 'verbatim-crx-profile-'));
    profiles.push(profile);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH,
      headless: true,
      // The extension updater must run: no --disable-extensions, --disable-background-networking or --disable-component-update.
      ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-extensions-with-background-pages'],
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    // Chromium's own account of its extensions.
    const page = await context.newPage();
    for (const until = Date.now() + waitMs; Date.now() < until; await page.waitForTimeout(500)) {
      await page.goto('chrome://extensions-internals');
      const installed = (JSON.parse((await page.textContent('body')) ?? '[]') as Installed[]).find((e) => e.id === extensionId);
      if (installed) return installed;
    }
    return undefined;
  }

  it('Chromium force-installs it by policy from a self-hosted update.xml', { skip: writable ? false : 'needs root to write Chromium policy files' }, async () => {
    const t0 = Date.now();
    const installed = await installByPolicy(90_000);
    assert.ok(installed, `Chromium did not install ${extensionId}; requests to the update server: ${fetched.join(', ')}`);
    console.log(`# force-installed ${extensionId} from ${base}/update.xml in ${Date.now() - t0} ms (${installed.location}, ${installed.registry_status})`);
    assert.equal(installed.location, 'EXTERNAL_POLICY_DOWNLOAD');
    assert.equal(installed.registry_status, 'ENABLED');
    assert.deepEqual(installed.disable_reasons, []);
    assert.equal(installed.version, '0.1.0');
    assert.ok(fetched.includes('/update.xml') && fetched.includes('/verbatim-kiosk.crx'));
    // And it runs: its two content scripts (isolated and main world) complete their handshake in a page.
    // (The recorder removes window.__verbatimConfig as it starts, so the handshake's events are what a page can see.)
    const site = await context!.newPage();
    await site.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __seen: string[] }).__seen = seen;
      for (const t of ['verbatim:ext-hello', 'verbatim:ext-secret', 'verbatim:ext-ack']) document.addEventListener(t, () => seen.push(t));
    });
    await site.goto(`${base}/page.html`);
    assert.deepEqual(await site.evaluate(() => (window as unknown as { __seen: string[] }).__seen), ['verbatim:ext-hello', 'verbatim:ext-secret', 'verbatim:ext-ack']);
    // Removing the policy uninstalls it again; other browsers on this machine must not pick the policy up.
    await rm(policyFile, { force: true });
  });

  it('and refuses the same CRX with one byte of the archive changed (the signature is what it checks)', { skip: writable ? false : 'needs root to write Chromium policy files' }, async () => {
    served = Buffer.from(crx);
    served[served.length - 100] ^= 0xff;
    fetched.length = 0;
    const installed = await installByPolicy(8_000);
    await rm(policyFile, { force: true });
    assert.ok(fetched.includes('/verbatim-kiosk.crx'), `Chromium fetched the tampered CRX: ${fetched.join(', ')}`);
    assert.equal(installed, undefined, 'a CRX whose signature does not match is not installed');
  });
});
