/**
 * `verbatim` — the command line. Wires the store, the proxy and the viewer
 * together; each of them stays unaware of the others.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CollectorRoutes } from '../proxy/collector/routes';
import { TerminalRegistry, describeTerminal } from '../proxy/collector/terminals';
import { StoreHealthMonitor } from '../replay-viewer/admin/store-health';
import { DEFAULT_POLICY } from '../proxy/masking/index';
import { enrolTerminal, policyView, revokeTerminal, terminalAdmin } from './admin-wiring';
import { IngestPipeline, Masker, assertProxyExposure, loadOrCreateCa, parseUpstreams, startGateway, startProxy, type RunningGateway } from '../proxy/index';
import { startViewer } from '../replay-viewer/server';
import { openReviews } from '../replay-viewer/reviews/index';
import { openAnalytics } from '../replay-viewer/analytics/index';
import { DEFAULT_PACING, openSearch, SEARCH_INDEX_JOB, SearchRoutes } from '../replay-viewer/search/index';
import { FieldAnalyticsRoutes } from '../replay-viewer/analytics/fields/fields-routes';
import { VersionsRoutes } from '../replay-viewer/analytics/versions/versions-routes';
import { isVerbatimError, VerbatimError } from '../store/errors';
import { setUpAccess, usersCommand } from './access-setup';
import { secureDataDir } from './data-dir';
import { importLegacyCustomers } from './legacy-customers';
import { describeRetention, loadConfig, loadMaskingPolicy, type VerbatimConfig } from './config';
import { distDir } from './dist-dir';
import { sessionExporter } from './export/session-exporter';
import { INTEGRITY_HELP, exportCommand, integrityOf, keysDirOf, migrateCommand, recordsCommand, startExpiryJob, verifyCommand } from './integrity-commands';
import { reindexCommand } from './reindex-command';
import { publishStatus, statusCommand, statusSnapshot, type StatusMount } from './status';
import { watchOutages } from './outage-log';
import { openConfiguredStore } from './store-open';
import { openSharedState, sharedStateOf } from './shared-state-open';

const HELP = `verbatim — record and replay web sessions

Usage:
  verbatim start [options]   record through the proxy and serve the replay viewer (default)
  verbatim ca [options]      print where the proxy's CA certificate is and how to trust it
  verbatim status [--json]   ask the running Verbatim (same --data) whether its store is writable and what it
                             could not store (exit 0 writable, 1 not writable, 3 not running)
  verbatim terminals add <terminal-id>     issue a kiosk terminal's collector token (shown once)
  verbatim terminals list | revoke <terminal-id>   list shows each terminal's last seen time, queue and last error
  verbatim proxy-clients add <id>          issue a client's forward-proxy credentials (shown once; for --proxy-auth)
  verbatim proxy-clients list | revoke <id>
${INTEGRITY_HELP}  verbatim reindex           rebuild the search index (<data>/search or --search) from the store, with
                             progress; stop Verbatim first; a killed run carries on where it stopped when run again
  verbatim users add <name> --role R   add a viewer account (agent, analyst, compliance, admin, auditor); password on stdin
  verbatim users list | remove <name> | passwd <name>
  verbatim help

Options (environment variable in brackets):
  --data DIR                 data directory (./data) [VERBATIM_DATA]
  --store URL                the store in PostgreSQL, shared by several instances: postgres://user@host/db[?schema=name]
                             (default: LevelDB in <data>/store); a password only via the environment [VERBATIM_STORE_URL]
  --blobs URL                object storage for the PostgreSQL store's bodies (default: a table in the same database)
                             [VERBATIM_BLOBS]
  --body-grace-seconds N     PostgreSQL store: an erased shared body is deleted N seconds after nothing names it (600);
                             0 only with one instance [VERBATIM_BODY_GRACE_SECONDS]
  --keys DIR                 key directory: signing key, keyring, session-token key, CA (<data>/keys, CA <data>/ca);
                             instances sharing one store share this directory [VERBATIM_KEYS]
  --search URL               search index in PostgreSQL: postgres://user@host/db[?schema=name] (default: SQLite in
                             <data>/search); a password only via the environment [VERBATIM_SEARCH]
  --proxy-host ADDR          forward proxy address (127.0.0.1); any other address needs --proxy-allow-clients
                             or --proxy-auth [VERBATIM_PROXY_HOST]
  --viewer-host ADDR         viewer address (127.0.0.1); any other address needs accounts [VERBATIM_VIEWER_HOST]
  --gateway-host ADDR        gateway address (127.0.0.1), e.g. 0.0.0.0 to face the network [VERBATIM_GATEWAY_HOST]
  --proxy-port N             proxy port (8080) [VERBATIM_PROXY_PORT]
  --viewer-port N            viewer port (8081) [VERBATIM_VIEWER_PORT]
  --proxy-allow-clients LIST forward proxy: only these client IPs/CIDRs may use it [VERBATIM_PROXY_ALLOW_CLIENTS]
  --proxy-auth               forward proxy: clients must send credentials (verbatim proxy-clients add) [VERBATIM_PROXY_AUTH]
  --proxy-allow-targets LIST forward proxy: private/loopback targets it may reach (IPs, CIDRs, host names,
                             *.suffix); public ones always, Verbatim's own listeners never [VERBATIM_PROXY_ALLOW_TARGETS]
  --header-timeout-seconds N request headers, a tunnel's first bytes, a TLS handshake (15) [VERBATIM_HEADER_TIMEOUT_SECONDS]
  --request-timeout-seconds N  a whole request from the browser (300) [VERBATIM_REQUEST_TIMEOUT_SECONDS]
  --idle-timeout-seconds N   a tunnel or WebSocket silent both ways (300) [VERBATIM_IDLE_TIMEOUT_SECONDS]
  --upstream-timeout-seconds N  a site that sends nothing (120; then 504) [VERBATIM_UPSTREAM_TIMEOUT_SECONDS]
  --max-header-bytes N       largest header block, both sides (262144) [VERBATIM_MAX_HEADER_BYTES]
  --capture-max-bytes N      largest body kept per response (33554432) [VERBATIM_CAPTURE_MAX_BYTES]
  --session-idle-minutes N   idle time that ends a session (30) [VERBATIM_SESSION_IDLE_MINUTES]
  --trust-quiet-minutes N    quiet time before a session's fidelity and foreign content become searchable (10)
                             [VERBATIM_TRUST_QUIET_MINUTES]
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
  --progress=false           verify, export, erase, expire: no progress on stderr (a terminal gets one updating
                             line; a log a line every 5 s) [VERBATIM_PROGRESS]
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
    case 'migrate': return migrateCommand(config);
    case 'reindex': return reindexCommand(config);
    case 'terminals': return terminals(config);
    case 'proxy-clients': return terminals(config, 'proxy-client');
    case 'users': process.exitCode = await usersCommand(config, readPassword, (t) => process.stdout.write(t)); return;
    case 'help': process.stdout.write(HELP); return;
    default:
      process.stderr.write(`unknown command "${config.command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
}

async function start(config: VerbatimConfig): Promise<void> {
  // Refused before anything listens: a forward proxy beyond loopback needs an allow-list or credentials.
  assertProxyExposure(config.proxyHost, { allowClients: listOf(config.proxyAllowClients), authenticateClient: config.proxyAuth ? async () => false : undefined });
  // Owner only, including a directory that already existed with wider modes (scripts/data-dir.ts).
  const untightened = await secureDataDir(config.dataDir);
  if (untightened.length) {
    process.stderr.write(`[verbatim] WARNING: could not restrict to this user (not its owner, or no access): ${untightened.slice(0, 5).join(', ')}${untightened.length > 5 ? ` and ${untightened.length - 5} more` : ''}\n`);
  }
  // Records are hash-chained; the key in <data>/keys signs a checkpoint every minute and at stop. A store that cannot
  // be written (full disk, permissions) does not keep the proxy down: it opens degraded and keeps trying, pages pass
  // unrecorded meanwhile, and `verbatim status` says so.
  // --store postgres://…: one store shared by several instances, which then also share one key dir (--keys).
  const store = await openConfiguredStore(config, { integrity: integrityOf(config), openDegraded: true });
  const recorderScript = await readFile(path.join(distDir, 'recorder', 'recorder.js'));
  const log = rateLimitedLog((err: unknown, context: string) => {
    // Codes and messages only: request bodies and tokens never reach the log.
    const code = isVerbatimError(err) ? err.code : (err as NodeJS.ErrnoException)?.code ?? 'ERROR';
    process.stderr.write(`[verbatim] ${context}: ${code} ${(err as Error)?.message ?? ''}\n`);
  });
  // The viewer starts first so the proxy can leave it alone: watching a replay must not be recorded.
  // Left for the next start when the store cannot take them now.
  await importLegacyCustomers(config.dataDir, store).catch((err: unknown) => log(err, 'customer links import'));
  const masking = await loadMaskingPolicy(config);
  // The audit trail masks what it records (a card number typed into a customer search).
  const auditMasker = new Masker(masking);
  const { access, identityRules, summary: accessSummary } = await setUpAccess(config, store, (s) => auditMasker.text(s));
  // One ingest pipeline for the proxy, the gateway and the kiosk collector: the same masking, identity and
  // classification for everything, whichever way it arrived.
  const ingest = new IngestPipeline({ store, masking, identityRules, onError: log });
  // A line when the store stops taking writes and one when it takes them again, with what it cost (outage-log.ts).
  const outages = watchOutages(() => store.health(), ingest.stats, (line) => process.stderr.write(`[verbatim] ${line}\n`));
  // The search index follows the store's change feed off the request path (replay-viewer/search/follower.ts), its
  // extraction and writes on the search worker thread (in-process if that cannot run); its log lines carry change
  // seqs and error codes only.
  // An index that cannot open (damaged, another schema) does not keep recording down: search is off until
  // `verbatim reindex` rebuilds it.
  const search = await openSearch({ dataDir: config.dataDir, keysDir: keysDirOf(config), searchUrl: config.searchUrl, store, worker: true, pacing: DEFAULT_PACING,
    trust: { quietMs: config.trustQuietMinutes * 60_000, pacing: DEFAULT_PACING, worker: true }, dwell: { pacing: DEFAULT_PACING }, log: (m) => process.stderr.write(`[verbatim] ${m}\n`) })
    .catch((err: unknown) => {
      process.stderr.write(`[verbatim] WARNING: search is off, the search index did not open (${isVerbatimError(err) ? err.code : (err as NodeJS.ErrnoException)?.code ?? 'ERROR'}): run verbatim reindex\n`);
      return undefined;
    });
  // An index in PostgreSQL may be shared by every instance: then one of them writes it at a time (index-writers.ts).
  search?.startWriting(config.searchUrl ? store.leadership?.(SEARCH_INDEX_JOB) : undefined);
  // Accounts (above), terminals, proxy clients and, over PostgreSQL, reviews: the store's shared state.
  const shared = sharedStateOf(config, store);
  // Compliance reviews run saved searches over the index and keep signed result sets (in <data>/reviews, or with
  // --store postgres://… in the shared state, so every instance sees them and the schedule's leader runs them);
  // notes are masked like the audit trail; scheduled runs are audited as actor "scheduler".
  const reviews = search ? await openReviews({
    ...(config.storeUrl ? { shared: shared.state } : {}),
    dataDir: config.dataDir, keysDir: keysDirOf(config), store, index: search.index, key: search.key,
    mask: (s) => auditMasker.text(s), audit: (e) => access.audit.append(e), log: (m) => process.stderr.write(`[verbatim] ${m}\n`),
  }) : undefined;
  // Kiosk terminals and proxy clients: shared documents of the store, so kiosks may upload to any viewer instance.
  const terminalRegistry = new TerminalRegistry(path.join(config.dataDir, 'terminals.json'), shared);
  const collector = new CollectorRoutes(ingest, { terminals: terminalRegistry });
  const startedAt = Date.now();
  const status = () => statusSnapshot(store, ingest.stats, startedAt);
  // The loopback status endpoint exists once the viewer's URL (and so its port) is known.
  let statusMount: StatusMount | undefined;
  const viewer = await startViewer({
    store, host: config.viewerHost, port: config.viewerPort, uiDir: path.join(distDir, 'viewer'), access,
    exporter: sessionExporter(store, integrityOf(config).keysDir),
    collector,
    search: search ? new SearchRoutes(search.index, store, search.key) : undefined,
    reviews: reviews?.routes,
    admin: {
      terminals: terminalAdmin(terminalRegistry),
      policy: () => policyView(config.retention, masking, config.maskingFile ?? path.join(config.dataDir, 'masking.json'), masking === DEFAULT_POLICY),
      storeHealth: new StoreHealthMonitor({
        store, keysDir: keysDirOf(config), searchCursor: search ? () => search.index.cursor() : undefined,
        verifyResultFile: path.join(config.dataDir, 'verify-last.json'),
      }),
    },
    fieldAnalytics: search ? new FieldAnalyticsRoutes(search.index) : undefined,
    versions: search ? new VersionsRoutes(search.index) : undefined,
    analytics: search ? openAnalytics({ dataDir: config.dataDir, index: search.index, customerOf: (id) => store.customerOf(id) }) : undefined,
    // Notes on sessions are masked like the audit trail (a card number typed into a note).
    notes: { mask: (s) => auditMasker.text(s) },
    status,
    statusProbe: { handle: (req, res, p) => statusMount ? statusMount.handle(req, res, p) : Promise.resolve(void res.writeHead(503).end()) },
  });
  const published = await publishStatus(config.dataDir, viewer.url, status, log);
  statusMount = published.mount;
  // What the forward proxy and the gateway share: capture, masking, sessions, timeouts.
  const common = {
    store, dataDir: config.dataDir, keysDir: config.keysDir, recorderScript, onError: log, ingest,
    // An agent watching live makes that session's recorder upload every 500 ms (replay-viewer/live/).
    liveWatched: (sessionId: string) => viewer.live.watching(sessionId),
    captureMaxBytes: config.captureMaxBytes, sessionIdleMs: config.sessionIdleMinutes * 60_000,
    upstreamCa: config.upstreamCaFile ? [await readFile(config.upstreamCaFile, 'utf8')] : undefined,
    insecureUpstream: config.insecureUpstream, http2Upstream: config.upstreamHttp2,
    headersTimeoutMs: config.headerTimeoutSeconds * 1000, requestTimeoutMs: config.requestTimeoutSeconds * 1000,
    idleTimeoutMs: config.idleTimeoutSeconds * 1000, upstreamTimeoutMs: config.upstreamTimeoutSeconds * 1000,
    maxHeaderBytes: config.maxHeaderBytes,
  };
  if (config.insecureUpstream) process.stderr.write('[verbatim] WARNING: upstream TLS certificates are NOT verified (--insecure-upstream)\n');
  const health = store.health();
  if (health.state === 'degraded') {
    process.stderr.write(`[verbatim] WARNING: the store cannot be written (${health.reason}): pages pass through unrecorded until it can (tried every second; verbatim status)\n`);
  }
  let gateway: RunningGateway | undefined;
  if (config.upstreams) {
    if (Boolean(config.tlsCertFile) !== Boolean(config.tlsKeyFile)) throw new VerbatimError('CONFIG_INVALID', '--tls-cert and --tls-key go together');
    gateway = await startGateway({
      ...common, host: config.gatewayHost, port: config.gatewayPort,
      routes: parseUpstreams(config.upstreams.split(',')),
      tls: config.tlsCertFile && config.tlsKeyFile
        ? { cert: await readFile(config.tlsCertFile), key: await readFile(config.tlsKeyFile) } : undefined,
      preserveHost: config.preserveHost,
      trustedProxies: config.trustedProxies ? config.trustedProxies.split(',') : [],
    });
  }
  // Proxy clients' credentials (verbatim proxy-clients add <id>): the id is the user name, the secret the password.
  const proxyClients = new TerminalRegistry(path.join(config.dataDir, PROXY_CLIENTS_FILE), shared);
  const allowClients = listOf(config.proxyAllowClients);
  const proxy = await startProxy({
    ...common, host: config.proxyHost, port: config.proxyPort,
    allowClients,
    authenticateClient: config.proxyAuth ? async (id, secret) => (await proxyClients.verify(secret)) === id : undefined,
    allowedTargets: listOf(config.proxyAllowTargets),
    // Never reached through the proxy; the viewer passes untouched only for a browser on this machine.
    ownPorts: [Number(new URL(viewer.url).port), ...(gateway ? [gateway.port] : [])],
    passOrigins: [viewer.url, viewer.url.replace('127.0.0.1', 'localhost')],
  });
  const proxyAccess = [
    allowClients.length ? `clients ${allowClients.join(', ')}` : '',
    config.proxyAuth ? 'credentials required (verbatim proxy-clients add <id>)' : '',
  ].filter(Boolean).join('; ') || 'this machine only';
  let stopping = false;
  let expiry: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([proxy.close(), viewer.close(), gateway?.close()]);
    await ingest.close();
    outages.stop();
    await reviews?.scheduler.stop();
    await expiry?.stop();
    await search?.close().catch((err: unknown) => log(err, 'search index close'));
    await terminalRegistry.flush().catch(() => undefined);
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
  Proxy:          ${proxy.url}  (HTTP and HTTPS; ${proxyAccess}; private targets: ${config.proxyAllowTargets ?? 'none'})
${gateway ? `  Gateway:        ${gateway.url}  → ${config.upstreams}\n` : ''}  Kiosk collector: ${viewer.url}/collect/v1/  (terminals: verbatim terminals add <id>)
  Data:           ${config.dataDir}
${config.retention ? `  Retention:      ${describeRetention(config.retention)} (erased hourly, except held sessions)\n` : ''}  CA certificate: ${proxy.ca.certPath}

Point a browser at the proxy, for example:
  chromium --proxy-server=${proxy.url} --proxy-bypass-list='<-loopback>' \\
           --ignore-certificate-errors-spki-list=${proxy.ca.spkiFingerprint}
(or trust the CA certificate permanently: verbatim ca). Press Ctrl+C to stop.
`);
  // The expiry job's timer is unref'd; stop() waits for a run in progress and gives its lead to another instance.
  if (config.retention) expiry = startExpiryJob(store, config.retention, log);
  reviews?.scheduler.start();
}

/** Proxy clients' credentials: <data>/proxy-clients.json, kept like the kiosk terminals' tokens (SHA-256 only, 0600). */
const PROXY_CLIENTS_FILE = 'proxy-clients.json';

function listOf(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
}

/**
 * Kiosk terminals allowed to upload to the collector (<viewer>/collect/v1/), or (proxy-clients) clients
 * allowed to use the forward proxy with --proxy-auth: the same kind of per-client secret, in its own file.
 */
async function terminals(config: VerbatimConfig, kind: 'terminal' | 'proxy-client' = 'terminal'): Promise<void> {
  await secureDataDir(config.dataDir);
  const shared = await openSharedState(config);
  try {
    await terminalsAction(config, kind, new TerminalRegistry(path.join(config.dataDir, kind === 'terminal' ? 'terminals.json' : PROXY_CLIENTS_FILE), shared));
  } finally {
    await shared.close();
  }
}

async function terminalsAction(config: VerbatimConfig, kind: 'terminal' | 'proxy-client', registry: TerminalRegistry): Promise<void> {
  const [action, id] = config.args;
  if (action === 'add' && id && kind === 'proxy-client') {
    const secret = await enrolTerminal(registry, id);
    process.stdout.write(`Proxy client ${id} enrolled. Its proxy credentials (shown only now; the browser or system proxy settings ask for them with --proxy-auth):\n  user: ${id}\n  password: ${secret}\n`);
  } else if (action === 'add' && id) {
    const token = await enrolTerminal(registry, id);
    process.stdout.write(`Terminal ${id} enrolled. Its collector token (shown only now; put it in the extension's policy as enrolmentToken):\n${token}\n`);
  } else if (action === 'revoke' && id) {
    if (!(await revokeTerminal(registry, id))) {
      process.stderr.write(`no ${kind} ${id}\n`);
      process.exitCode = 1;
    } else process.stdout.write(`${kind === 'terminal' ? 'Terminal' : 'Proxy client'} ${id} revoked.\n`);
  } else if (action === 'list' || action === undefined) {
    // Health as the running server last wrote it (<data>/terminals-status.json): last seen, queue, last error.
    const statuses = await registry.statusOf();
    for (const t of await registry.list()) process.stdout.write(`${describeTerminal(t, statuses[t.id])}\n`);
  } else {
    process.stderr.write(`usage: verbatim ${kind === 'terminal' ? 'terminals' : 'proxy-clients'} add|revoke <id> | list\n`);
    process.exitCode = 2;
  }
}

async function printCa(config: VerbatimConfig): Promise<void> {
  const ca = await loadOrCreateCa(config.keysDir ?? config.dataDir);
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
