/**
 * `verbatim` — the command line. Wires the store, the proxy and the viewer
 * together; each of them stays unaware of the others.
 */
import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CollectorRoutes } from '../proxy/collector/routes';
import { TerminalRegistry } from '../proxy/collector/terminals';
import { IngestPipeline, loadOrCreateCa, parseUpstreams, startGateway, startProxy, type RunningGateway } from '../proxy/index';
import { startViewer } from '../replay-viewer/server';
import { isVerbatimError, VerbatimError } from '../store/errors';
import { openStore } from '../store/index';
import { setUpAccess, usersCommand } from './access-setup';
import { importLegacyCustomers } from './legacy-customers';
import { describeRetention, loadConfig, loadMaskingPolicy, type VerbatimConfig } from './config';
import { distDir } from './dist-dir';
import { sessionExporter } from './export/session-exporter';
import { INTEGRITY_HELP, exportCommand, integrityOf, recordsCommand, startExpiryJob, verifyCommand } from './integrity-commands';
import { publishStatus, statusCommand, statusSnapshot, type StatusMount } from './status';

const HELP = `verbatim — record and replay web sessions

Usage:
  verbatim start [options]   record through the proxy and serve the replay viewer (default)
  verbatim ca [options]      print where the proxy's CA certificate is and how to trust it
  verbatim status [--json]   ask the running Verbatim (same --data) whether its store is writable and what it
                             could not store (exit 0 writable, 1 not writable, 3 not running)
  verbatim terminals add <terminal-id>     issue a kiosk terminal's collector token (shown once)
  verbatim terminals list | revoke <terminal-id>
${INTEGRITY_HELP}  verbatim users add <name> --role R   add a viewer account (agent, analyst, compliance, admin, auditor); password on stdin
  verbatim users list | remove <name> | unlock <name> | passwd <name>
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
  --upstream LIST            gateway mode: serve these origins (comma-separated; \`https://origin\` or
                             \`public.host=https://origin\`, several are chosen by Host) [VERBATIM_UPSTREAM]
  --gateway-port N           gateway listen port (8443) [VERBATIM_GATEWAY_PORT]
  --tls-cert FILE            gateway serves HTTPS with this PEM certificate chain [VERBATIM_TLS_CERT]
  --tls-key FILE             ... and this PEM private key [VERBATIM_TLS_KEY]
  --preserve-host=false      gateway sends the origin its own host name, not the browser's [VERBATIM_PRESERVE_HOST]
  --trusted-proxies LIST     gateway believes X-Forwarded-* only from these IPs/CIDRs [VERBATIM_TRUSTED_PROXIES]
  --upstream-http2           use HTTP/2 to HTTPS sites that offer it (ALPN; both modes) [VERBATIM_UPSTREAM_HTTP2]
  --masking FILE             masking policy (<data>/masking.json; docs/MASKING.md) [VERBATIM_MASKING]
  --identity FILE            customer identity rules (<data>/identity.json; docs/ACCESS.md) [VERBATIM_IDENTITY]
  --secure-cookies           mark the viewer's session cookie Secure (viewer behind TLS) [VERBATIM_SECURE_COOKIES]
  --retention LIST           erase sessions hourly once their channel's period has passed, days per channel:
                             proxy=2555,kiosk=1825,gateway=2555 (held sessions are kept) [VERBATIM_RETENTION]
  --retention-days N         the same period for every channel (or those --retention does not name) [VERBATIM_RETENTION_DAYS]
  [VERBATIM_ADMIN_PASSWORD]  on first start with no accounts, create the admin account "admin" with this password
`;

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  switch (config.command) {
    case 'start': return start(config);
    case 'ca': return printCa(config);
    case 'status': process.exitCode = await statusCommand(config, (t) => process.stdout.write(t)); return;
    case 'verify': return verifyCommand(config);
    case 'export': return exportCommand(config);
    case 'erase': case 'hold': case 'release': case 'expire': return recordsCommand(config);
    case 'terminals': return terminals(config);
    case 'users': process.exitCode = await usersCommand(config, readPassword, (t) => process.stdout.write(t)); return;
    case 'help': process.stdout.write(HELP); return;
    default:
      process.stderr.write(`unknown command "${config.command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
}

async function start(config: VerbatimConfig): Promise<void> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // Records are hash-chained; the key in <data>/keys signs a checkpoint every minute and at stop. A store that cannot
  // be written (full disk, permissions) does not keep the proxy down: it opens degraded and keeps trying, pages pass
  // unrecorded meanwhile, and `verbatim status` says so.
  const store = await openStore(path.join(config.dataDir, 'store'), { integrity: integrityOf(config), openDegraded: true });
  const recorderScript = await readFile(path.join(distDir, 'recorder', 'recorder.js'));
  const log = rateLimitedLog((err: unknown, context: string) => {
    // Codes and messages only: request bodies and tokens never reach the log.
    const code = isVerbatimError(err) ? err.code : (err as NodeJS.ErrnoException)?.code ?? 'ERROR';
    process.stderr.write(`[verbatim] ${context}: ${code} ${(err as Error)?.message ?? ''}\n`);
  });
  // The viewer starts first so the proxy can leave it alone: watching a replay must not be recorded.
  // Left for the next start when the store cannot take them now.
  await importLegacyCustomers(config.dataDir, store).catch((err: unknown) => log(err, 'customer links import'));
  const { access, identityRules, summary: accessSummary } = await setUpAccess(config, store);
  // One ingest pipeline for the proxy, the gateway and the kiosk collector: the same masking, identity and
  // classification for everything, whichever way it arrived.
  const ingest = new IngestPipeline({ store, masking: await loadMaskingPolicy(config), identityRules, onError: log });
  const collector = new CollectorRoutes(ingest, { terminals: new TerminalRegistry(path.join(config.dataDir, 'terminals.json')) });
  const startedAt = Date.now();
  const status = () => statusSnapshot(store, ingest.stats, startedAt);
  // The status endpoint is mounted once the viewer's URL (and so its port) is known.
  let statusMount: StatusMount | undefined;
  const viewer = await startViewer({
    store, host: config.host, port: config.viewerPort, uiDir: path.join(distDir, 'viewer'), access,
    exporter: sessionExporter(store, integrityOf(config).keysDir),
    status,
    mounts: [
      { prefix: '/collect/', handle: (req, res, p) => collector.handle(req, res, p) },
      { prefix: '/_status', handle: (req, res, p) => statusMount ? statusMount.handle(req, res, p) : Promise.resolve(void res.writeHead(503).end()) },
    ],
  });
  const published = await publishStatus(config.dataDir, viewer.url, status, log);
  statusMount = published.mount;
  const proxy = await startProxy({
    store, dataDir: config.dataDir, recorderScript, host: config.host, port: config.proxyPort,
    captureMaxBytes: config.captureMaxBytes, sessionIdleMs: config.sessionIdleMinutes * 60_000, onError: log,
    upstreamCa: config.upstreamCaFile ? [await readFile(config.upstreamCaFile, 'utf8')] : undefined,
    insecureUpstream: config.insecureUpstream, http2Upstream: config.upstreamHttp2,
    ingest,
    passOrigins: [viewer.url, viewer.url.replace('127.0.0.1', 'localhost')],
  });
  if (config.insecureUpstream) process.stderr.write('[verbatim] WARNING: upstream TLS certificates are NOT verified (--insecure-upstream)\n');
  const health = store.health();
  if (health.state === 'degraded') {
    process.stderr.write(`[verbatim] WARNING: the store cannot be written (${health.reason}): pages pass through unrecorded until it can (tried every second; verbatim status)\n`);
  }
  let gateway: RunningGateway | undefined;
  if (config.upstreams) {
    if (Boolean(config.tlsCertFile) !== Boolean(config.tlsKeyFile)) throw new VerbatimError('CONFIG_INVALID', '--tls-cert and --tls-key go together');
    gateway = await startGateway({
      store, dataDir: config.dataDir, recorderScript, host: config.host, port: config.gatewayPort,
      routes: parseUpstreams(config.upstreams.split(',')),
      tls: config.tlsCertFile && config.tlsKeyFile
        ? { cert: await readFile(config.tlsCertFile), key: await readFile(config.tlsKeyFile) } : undefined,
      preserveHost: config.preserveHost,
      trustedProxies: config.trustedProxies ? config.trustedProxies.split(',') : [],
      captureMaxBytes: config.captureMaxBytes, sessionIdleMs: config.sessionIdleMinutes * 60_000, onError: log,
      upstreamCa: config.upstreamCaFile ? [await readFile(config.upstreamCaFile, 'utf8')] : undefined,
      insecureUpstream: config.insecureUpstream, http2Upstream: config.upstreamHttp2,
      ingest,
    });
    process.stdout.write(`Gateway:        ${gateway.url}  → ${config.upstreams}\n`);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([proxy.close(), viewer.close(), gateway?.close()]);
    await ingest.close();
    await published.remove().catch(() => undefined);
    // Seals the tail: a clean stop leaves every record under a signed checkpoint.
    await store.close();
    process.exit(0);
  };
  // Before saying we are up: a supervisor may send SIGTERM the moment it reads that, and without a handler the
  // signal kills the process unsealed.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`Verbatim is recording.
  Replay viewer:  ${viewer.url}/  (${accessSummary})
  Proxy:          ${proxy.url}  (HTTP and HTTPS)
  Kiosk collector: ${viewer.url}/collect/v1/  (terminals: verbatim terminals add <id>)
  Data:           ${config.dataDir}
${config.retention ? `  Retention:      ${describeRetention(config.retention)} (erased hourly, except held sessions)\n` : ''}  CA certificate: ${proxy.ca.certPath}

Point a browser at the proxy, for example:
  chromium --proxy-server=${proxy.url} --proxy-bypass-list='<-loopback>' \\
           --ignore-certificate-errors-spki-list=${proxy.ca.spkiFingerprint}
(or trust the CA certificate permanently: verbatim ca). Press Ctrl+C to stop.
`);
  // The expiry job's timers are unref'd; a run caught by stop() fails on the closed store and is logged.
  if (config.retention) startExpiryJob(store, config.retention, log);
}

/** Kiosk terminals allowed to upload to the collector (<viewer>/collect/v1/). */
async function terminals(config: VerbatimConfig): Promise<void> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const registry = new TerminalRegistry(path.join(config.dataDir, 'terminals.json'));
  const [action, id] = config.args;
  if (action === 'add' && id) {
    const token = await registry.add(id);
    process.stdout.write(`Terminal ${id} enrolled. Its collector token (shown only now; put it in the extension's policy as enrolmentToken):\n${token}\n`);
  } else if (action === 'revoke' && id) {
    if (!(await registry.revoke(id))) {
      process.stderr.write(`no terminal ${id}\n`);
      process.exitCode = 1;
    } else process.stdout.write(`Terminal ${id} revoked.\n`);
  } else if (action === 'list' || action === undefined) {
    for (const t of await registry.list()) {
      process.stdout.write(`${t.id}\tadded ${new Date(t.createdAt).toISOString()}${t.revokedAt ? `\trevoked ${new Date(t.revokedAt).toISOString()}` : ''}\n`);
    }
  } else {
    process.stderr.write('usage: verbatim terminals add|revoke <terminal-id> | list\n');
    process.exitCode = 2;
  }
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

/**
 * At most one line per context every 5 s, then how many were left out: a full disk fails every capture, and a log
 * line per capture would flood the log (which may sit on that same disk). `verbatim status` has the exact counts.
 */
function rateLimitedLog(write: (err: unknown, context: string) => void): (err: unknown, context: string) => void {
  const last = new Map<string, { at: number; skipped: number }>();
  return (err, context) => {
    const now = Date.now();
    const entry = last.get(context);
    if (entry && now - entry.at < 5_000) {
      entry.skipped += 1;
      return;
    }
    if (entry?.skipped) process.stderr.write(`[verbatim] ${context}: ${entry.skipped} more like the next one in the last ${Math.round((now - entry.at) / 1000)} s\n`);
    last.set(context, { at: now, skipped: 0 });
    write(err, context);
  };
}

main().catch((err) => {
  process.stderr.write(`verbatim: ${isVerbatimError(err) ? `${err.code}: ` : ''}${(err as Error)?.message ?? err}\n`);
  process.exit(1);
});

/** A password from stdin: typed at a terminal (not echoed) or piped. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  process.stdout.write('Password (at least 12 characters): ');
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let text = '';
    const onData = (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stdout.write('\n');
          return resolve(text);
        }
        if (ch === '\u0003') process.exit(130);
        text = ch === '\u007f' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.on('data', onData);
  });
}
