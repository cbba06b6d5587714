/**
 * `verbatim` — the command line. Wires the store, the proxy and the viewer
 * together; each of them stays unaware of the others.
 */
import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateCa, startProxy } from '../proxy/index';
import { startViewer } from '../replay-viewer/server';
import { isVerbatimError } from '../store/errors';
import { openStore } from '../store/index';
import { loadConfig, type VerbatimConfig } from './config';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/ when running the bundle, <repo>/dist when running from source. */
const distDir = path.basename(here) === 'dist' ? here : path.join(here, '..', 'dist');

const HELP = `verbatim — record and replay web sessions

Usage:
  verbatim start [options]   record through the proxy and serve the replay viewer (default)
  verbatim ca [options]      print where the proxy's CA certificate is and how to trust it
  verbatim help

Options (environment variable in brackets):
  --data DIR                 data directory (./data) [VERBATIM_DATA]
  --host ADDR                address to bind (127.0.0.1) [VERBATIM_HOST]
  --proxy-port N             proxy port (8080) [VERBATIM_PROXY_PORT]
  --viewer-port N            viewer port (8081) [VERBATIM_VIEWER_PORT]
  --capture-max-bytes N      largest body kept per response (33554432) [VERBATIM_CAPTURE_MAX_BYTES]
  --session-idle-minutes N   idle time that ends a session (30) [VERBATIM_SESSION_IDLE_MINUTES]
  --upstream-ca FILE         extra CA certificates (PEM) trusted for sites' TLS [VERBATIM_UPSTREAM_CA]
  --insecure-upstream        do not verify sites' TLS certificates (test benches only) [VERBATIM_INSECURE_UPSTREAM]
`;

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  switch (config.command) {
    case 'start': return start(config);
    case 'ca': return printCa(config);
    case 'help': process.stdout.write(HELP); return;
    default:
      process.stderr.write(`unknown command "${config.command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
}

async function start(config: VerbatimConfig): Promise<void> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(path.join(config.dataDir, 'store'));
  const recorderScript = await readFile(path.join(distDir, 'recorder', 'recorder.js'));
  const log = (err: unknown, context: string) => {
    // Codes and messages only: request bodies and tokens never reach the log.
    const code = isVerbatimError(err) ? err.code : (err as NodeJS.ErrnoException)?.code ?? 'ERROR';
    process.stderr.write(`[verbatim] ${context}: ${code} ${(err as Error)?.message ?? ''}\n`);
  };
  const proxy = await startProxy({
    store, dataDir: config.dataDir, recorderScript, host: config.host, port: config.proxyPort,
    captureMaxBytes: config.captureMaxBytes, sessionIdleMs: config.sessionIdleMinutes * 60_000, onError: log,
    upstreamCa: config.upstreamCaFile ? [await readFile(config.upstreamCaFile, 'utf8')] : undefined,
    insecureUpstream: config.insecureUpstream,
  });
  if (config.insecureUpstream) process.stderr.write('[verbatim] WARNING: upstream TLS certificates are NOT verified (--insecure-upstream)\n');
  const viewer = await startViewer({ store, host: config.host, port: config.viewerPort, uiDir: path.join(distDir, 'viewer') });
  process.stdout.write(`Verbatim is recording.
  Replay viewer:  ${viewer.url}/
  Proxy:          ${proxy.url}  (HTTP and HTTPS)
  Data:           ${config.dataDir}
  CA certificate: ${proxy.ca.certPath}

Point a browser at the proxy, for example:
  chromium --proxy-server=${proxy.url} --proxy-bypass-list='<-loopback>' \\
           --ignore-certificate-errors-spki-list=${proxy.ca.spkiFingerprint}
(or trust the CA certificate permanently: verbatim ca). Press Ctrl+C to stop.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([proxy.close(), viewer.close()]);
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function printCa(config: VerbatimConfig): Promise<void> {
  const ca = await loadOrCreateCa(config.dataDir);
  process.stdout.write(`Verbatim CA certificate: ${ca.certPath}
(private key ${ca.keyPath}, readable by its owner only; never copy it off this machine)
SPKI fingerprint (SHA-256, base64): ${ca.spkiFingerprint}

Trust it in:
  Chromium/Chrome/Edge, one profile: --ignore-certificate-errors-spki-list=${ca.spkiFingerprint}
    or Settings > Privacy and security > Security > Manage certificates > Authorities > Import
    or managed policy (Linux: /etc/chromium/policies/managed/verbatim.json):
      {"CACertificates": ["<base64 DER of the certificate>"]}
  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import,
    or enterprise policy: {"policies": {"Certificates": {"Install": ["${ca.certPath}"]}}}
  Debian/Ubuntu:  sudo cp ${ca.certPath} /usr/local/share/ca-certificates/verbatim-ca.crt && sudo update-ca-certificates
  macOS:          sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca.certPath}
  Windows:        certutil -addstore -f Root ${ca.certPath}
`);
}

main().catch((err) => {
  process.stderr.write(`verbatim: ${isVerbatimError(err) ? `${err.code}: ` : ''}${(err as Error)?.message ?? err}\n`);
  process.exit(1);
});
