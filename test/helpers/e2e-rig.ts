/**
 * The setup the end-to-end tests repeated line for line: a temp dir with a LevelDB store in it, then the parts a
 * test starts on it (the proxy or the gateway with the built recorder, the viewer on the built UI, the sample bank or
 * a small site of the test's own, Chromium). `close()` ends them in the reverse order they were started, then the store, then removes the temp dir;
 * it goes on past a part that fails to close and throws the first failure at the end, so nothing is left running.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, LaunchOptions } from 'playwright';
import { startGateway, startProxy, type GatewayOptions, type ProxyOptions, type RunningGateway, type RunningProxy } from '../../proxy/index';
import { startViewer, type Viewer, type ViewerOptions } from '../../replay-viewer/server';
import { launchChromium, type ProxyChoice } from '../../scripts/chromium';
import { startSampleBank, type SampleBank, type SampleBankOptions } from '../../scripts/sample-bank/server';
import { openStore, type LevelStoreOptions } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The built viewer UI (scripts/build.ts). */
export const VIEWER_UI = path.join(ROOT, 'dist', 'viewer');
/** The test sites live on loopback, which the forward proxy reaches only when told to. */
export const LOOPBACK = ['127.0.0.1'];

/** Store options with tamper evidence on: keys and keyring in `<dir>/keys`, sealing at once (no batching delay). */
export function sealedStoreOptions(dir: string): LevelStoreOptions {
  const keysDir = path.join(dir, 'keys');
  return { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } };
}

/** The built recorder bundle the proxy and gateway inject. */
export function recorderScript(): Promise<Buffer> {
  return readFile(path.join(ROOT, 'dist', 'recorder', 'recorder.js'));
}

interface Closable { close(): unknown }

export class E2eRig {
  private readonly parts: Closable[] = [];

  private constructor(readonly dir: string, readonly store: LevelStore) {}

  /** A temp dir named `verbatim-<name>-…` with a store in `store/` (its options may name paths in the dir). */
  static async open(name: string, storeOptions?: LevelStoreOptions | ((dir: string) => LevelStoreOptions)): Promise<E2eRig> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `verbatim-${name}-`));
    try {
      const options = typeof storeOptions === 'function' ? storeOptions(dir) : storeOptions;
      return new E2eRig(dir, await openStore(path.join(dir, 'store'), options));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Closes `part` in close(), before everything started earlier. */
  track<T extends Closable>(part: T): T {
    this.parts.push(part);
    return part;
  }

  /** The forward proxy on an ephemeral port, recording into the store, allowed to reach loopback sites. */
  async proxy(options: Partial<ProxyOptions> = {}): Promise<RunningProxy> {
    return this.track(await startProxy({
      store: this.store, dataDir: this.dir, port: 0, allowedTargets: LOOPBACK, recorderScript: await recorderScript(), ...options,
    }));
  }

  /** The gateway on an ephemeral port in front of `routes`, recording into the store. */
  async gateway(options: Partial<GatewayOptions> & Pick<GatewayOptions, 'routes'>): Promise<RunningGateway> {
    return this.track(await startGateway({ store: this.store, dataDir: this.dir, port: 0, recorderScript: await recorderScript(), ...options }));
  }

  /** The viewer over the store, on an ephemeral port, serving the built UI. */
  async viewer(options: Partial<ViewerOptions> = {}): Promise<Viewer> {
    return this.track(await startViewer({ store: this.store, port: 0, uiDir: VIEWER_UI, ...options }));
  }

  async bank(options?: SampleBankOptions): Promise<SampleBank> {
    return this.track(await startSampleBank(options));
  }

  /** A site of the test's own on `host` (127.0.0.1; another loopback address is another site), an ephemeral port; its URL, no trailing slash. */
  async site(handler: http.RequestListener, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    this.track({ close: () => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); } });
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  /** Chromium, through `proxy` when given (its CA trusted when the fingerprint is). */
  async chromium(proxy?: ProxyChoice, extra?: LaunchOptions): Promise<Browser> {
    return this.track(await launchChromium(proxy, extra));
  }

  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const part of this.parts.splice(0).reverse()) {
      try {
        await part.close();
      } catch (err) {
        failures.push(err);
      }
    }
    await this.store.close().catch((err: unknown) => failures.push(err));
    await rm(this.dir, { recursive: true, force: true });
    if (failures.length) throw failures[0];
  }
}
