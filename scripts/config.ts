/**
 * The one place configuration is read: defaults, then environment, then flags.
 * Nothing else in Verbatim reads process.env or argv.
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadPolicy, type MaskingPolicy } from '../proxy/masking/index';
import { VerbatimError } from '../store/errors';
import type { RetentionPolicy } from '../store/records';
import type { Channel } from '../store/records';

export interface VerbatimConfig {
  command: string;
  args: string[];
  dataDir: string;
  /** Each listener binds on its own address (all loopback by default): the gateway may face the network, the proxy only behind an allow-list or credentials. */
  proxyHost: string;
  viewerHost: string;
  gatewayHost: string;
  proxyPort: number;
  viewerPort: number;
  captureMaxBytes: number;
  sessionIdleMinutes: number;
  /** Minutes without a change before the trust job checks a session's fidelity and foreign content for search. */
  trustQuietMinutes: number;
  /** PEM file of extra CAs trusted for upstream TLS (an internal PKI). */
  upstreamCaFile?: string;
  /** Skip upstream certificate checks: test benches only; the proxy warns at start. */
  insecureUpstream: boolean;
  /** Gateway mode: comma-separated origins (`https://origin` or `public.host=https://origin`). */
  upstreams?: string;
  gatewayPort: number;
  /** PEM certificate chain and key: the gateway then serves HTTPS. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Gateway: pass the browser's Host to the origin (default) or the origin's own host name. */
  preserveHost: boolean;
  /** Speak HTTP/2 to HTTPS upstreams that offer it (ALPN), both modes. */
  upstreamHttp2: boolean;
  /** Gateway: comma-separated IPs/CIDR blocks of load balancers whose X-Forwarded-* are believed. */
  trustedProxies?: string;
  /** Forward proxy: client addresses (comma-separated IPs/CIDRs) that may use it. */
  proxyAllowClients?: string;
  /** Forward proxy: require per-client credentials (verbatim proxy-clients add <id>). */
  proxyAuth: boolean;
  /** Forward proxy: private/loopback targets it may reach (comma-separated IPs, CIDRs, host names, *.suffix). */
  proxyAllowTargets?: string;
  /** Network deadlines and header size (proxy/network-limits.ts; README "Timeouts"). */
  headerTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  upstreamTimeoutSeconds: number;
  maxHeaderBytes: number;
  /** Masking policy file (docs/MASKING.md); default <data>/masking.json, which may be absent. */
  maskingFile?: string;
  /** Customer identity rules (docs/ACCESS.md); default <data>/identity.json, which may be absent. */
  identityFile?: string;
  /** First start with no accounts: create `admin` with this password (environment only, never a flag). */
  adminPassword?: string;
  /** `verbatim users add`: the new account's role. */
  role?: string;
  /** Mark the viewer's session cookie Secure (the viewer is reached over TLS through a terminating proxy). */
  secureCookies: boolean;
  /** `verbatim status --json`: the raw snapshot. */
  json: boolean;
  /** verify/export: the session concerned, an evidence file to check, the file to write. */
  sessionId?: string;
  file?: string;
  out?: string;
  /** erase/hold/expire: why (kept in the tombstone or hold), whose, and the retention period. */
  reason?: string;
  customerId?: string;
  /** --retention-days N: every channel's retention period. */
  retentionDays?: number;
  /**
   * expire, and start's hourly expiry job: days per channel, from --retention
   * (`proxy=2555,kiosk=1825`), with --retention-days for the channels it does not name.
   */
  retention?: RetentionPolicy;
  /** Long jobs (verify, export, expire, erase) report progress on stderr (scripts/progress.ts); false: silent. */
  progress: boolean;
  /** The search index in PostgreSQL (`postgres://…`); absent: the embedded SQLite index in <data>/search. */
  searchUrl?: string;
  /** The store in PostgreSQL (`postgres://…`); absent: the embedded LevelDB store in <data>/store. */
  storeUrl?: string;
  /** Object storage for the PostgreSQL store's bodies (scripts/store-open.ts names the schemes this build knows). */
  blobsUrl?: string;
  /**
   * PostgreSQL store: how long a shared body an erasure left unnamed stays before it is deleted, seconds (default
   * 600). Longer than a capture takes from "already stored?" to its commit on any instance; 0 only for one instance.
   */
  bodyGraceSeconds?: number;
  /** One key directory (signing key, keyring, session-token key, CA under ca/) that several instances share. */
  keysDir?: string;
  /** `verbatim migrate --from DIR`: the data directory whose embedded store is copied (default --data). */
  migrateFrom?: string;
  /** `verbatim migrate --to postgres://…`: copy the embedded store into this (empty) PostgreSQL store. */
  migrateTo?: string;
}

const MAX_BODY_GRACE_SECONDS = 86_400;

/** Every channel, once (a Record, so a channel added to store/records.ts must be added here). */
const CHANNEL_SET: Record<Channel, true> = { proxy: true, gateway: true, kiosk: true };
const CHANNELS = Object.keys(CHANNEL_SET) as Channel[];

const FLAGS: Record<string, { key: keyof VerbatimConfig; env: string; kind: 'port' | 'string' | 'int' | 'positive' | 'boolean' | 'retention' | 'search' | 'removed' }> = {
  '--upstream-ca': { key: 'upstreamCaFile', env: 'VERBATIM_UPSTREAM_CA', kind: 'string' },
  '--insecure-upstream': { key: 'insecureUpstream', env: 'VERBATIM_INSECURE_UPSTREAM', kind: 'boolean' },
  '--upstream': { key: 'upstreams', env: 'VERBATIM_UPSTREAM', kind: 'string' },
  '--gateway-port': { key: 'gatewayPort', env: 'VERBATIM_GATEWAY_PORT', kind: 'port' },
  '--tls-cert': { key: 'tlsCertFile', env: 'VERBATIM_TLS_CERT', kind: 'string' },
  '--tls-key': { key: 'tlsKeyFile', env: 'VERBATIM_TLS_KEY', kind: 'string' },
  '--preserve-host': { key: 'preserveHost', env: 'VERBATIM_PRESERVE_HOST', kind: 'boolean' },
  '--upstream-http2': { key: 'upstreamHttp2', env: 'VERBATIM_UPSTREAM_HTTP2', kind: 'boolean' },
  '--trusted-proxies': { key: 'trustedProxies', env: 'VERBATIM_TRUSTED_PROXIES', kind: 'string' },
  '--masking': { key: 'maskingFile', env: 'VERBATIM_MASKING', kind: 'string' },
  '--identity': { key: 'identityFile', env: 'VERBATIM_IDENTITY', kind: 'string' },
  '--role': { key: 'role', env: 'VERBATIM_ROLE', kind: 'string' },
  '--secure-cookies': { key: 'secureCookies', env: 'VERBATIM_SECURE_COOKIES', kind: 'boolean' },
  '--progress': { key: 'progress', env: 'VERBATIM_PROGRESS', kind: 'boolean' },
  '--json': { key: 'json', env: 'VERBATIM_JSON', kind: 'boolean' },
  '--data': { key: 'dataDir', env: 'VERBATIM_DATA', kind: 'string' },
  '--search': { key: 'searchUrl', env: 'VERBATIM_SEARCH', kind: 'search' },
  '--store': { key: 'storeUrl', env: 'VERBATIM_STORE_URL', kind: 'search' },
  '--blobs': { key: 'blobsUrl', env: 'VERBATIM_BLOBS', kind: 'string' },
  '--body-grace-seconds': { key: 'bodyGraceSeconds', env: 'VERBATIM_BODY_GRACE_SECONDS', kind: 'int' },
  '--keys': { key: 'keysDir', env: 'VERBATIM_KEYS', kind: 'string' },
  '--from': { key: 'migrateFrom', env: 'VERBATIM_MIGRATE_FROM', kind: 'string' },
  '--to': { key: 'migrateTo', env: 'VERBATIM_MIGRATE_TO', kind: 'search' },
  '--session': { key: 'sessionId', env: 'VERBATIM_SESSION', kind: 'string' },
  '--file': { key: 'file', env: 'VERBATIM_FILE', kind: 'string' },
  '--out': { key: 'out', env: 'VERBATIM_OUT', kind: 'string' },
  '--reason': { key: 'reason', env: 'VERBATIM_REASON', kind: 'string' },
  '--customer': { key: 'customerId', env: 'VERBATIM_CUSTOMER', kind: 'string' },
  '--retention-days': { key: 'retentionDays', env: 'VERBATIM_RETENTION_DAYS', kind: 'int' },
  '--retention': { key: 'retention', env: 'VERBATIM_RETENTION', kind: 'retention' },
  '--host': { key: 'command', env: 'VERBATIM_HOST', kind: 'removed' },
  '--proxy-host': { key: 'proxyHost', env: 'VERBATIM_PROXY_HOST', kind: 'string' },
  '--viewer-host': { key: 'viewerHost', env: 'VERBATIM_VIEWER_HOST', kind: 'string' },
  '--gateway-host': { key: 'gatewayHost', env: 'VERBATIM_GATEWAY_HOST', kind: 'string' },
  '--proxy-allow-clients': { key: 'proxyAllowClients', env: 'VERBATIM_PROXY_ALLOW_CLIENTS', kind: 'string' },
  '--proxy-auth': { key: 'proxyAuth', env: 'VERBATIM_PROXY_AUTH', kind: 'boolean' },
  '--proxy-allow-targets': { key: 'proxyAllowTargets', env: 'VERBATIM_PROXY_ALLOW_TARGETS', kind: 'string' },
  '--header-timeout-seconds': { key: 'headerTimeoutSeconds', env: 'VERBATIM_HEADER_TIMEOUT_SECONDS', kind: 'positive' },
  '--request-timeout-seconds': { key: 'requestTimeoutSeconds', env: 'VERBATIM_REQUEST_TIMEOUT_SECONDS', kind: 'positive' },
  '--idle-timeout-seconds': { key: 'idleTimeoutSeconds', env: 'VERBATIM_IDLE_TIMEOUT_SECONDS', kind: 'positive' },
  '--upstream-timeout-seconds': { key: 'upstreamTimeoutSeconds', env: 'VERBATIM_UPSTREAM_TIMEOUT_SECONDS', kind: 'positive' },
  '--max-header-bytes': { key: 'maxHeaderBytes', env: 'VERBATIM_MAX_HEADER_BYTES', kind: 'positive' },
  '--proxy-port': { key: 'proxyPort', env: 'VERBATIM_PROXY_PORT', kind: 'port' },
  '--viewer-port': { key: 'viewerPort', env: 'VERBATIM_VIEWER_PORT', kind: 'port' },
  '--capture-max-bytes': { key: 'captureMaxBytes', env: 'VERBATIM_CAPTURE_MAX_BYTES', kind: 'int' },
  '--session-idle-minutes': { key: 'sessionIdleMinutes', env: 'VERBATIM_SESSION_IDLE_MINUTES', kind: 'int' },
  '--trust-quiet-minutes': { key: 'trustQuietMinutes', env: 'VERBATIM_TRUST_QUIET_MINUTES', kind: 'positive' },
};

/** What parseArgs needs to know of each flag: whether it takes a value. */
const PARSE_OPTIONS: ParseArgsConfig['options'] = {
  ...Object.fromEntries(Object.entries(FLAGS).map(([flag, spec]) => [flag.slice(2), { type: spec.kind === 'boolean' ? 'boolean' : 'string' } as const])),
  help: { type: 'boolean', short: 'h' },
};

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): VerbatimConfig {
  const config: VerbatimConfig = {
    command: 'start',
    args: [],
    dataDir: './data',
    proxyHost: '127.0.0.1',
    viewerHost: '127.0.0.1',
    gatewayHost: '127.0.0.1',
    proxyAuth: false,
    // The defaults of proxy/network-limits.ts, in the units of the flags.
    headerTimeoutSeconds: 15,
    requestTimeoutSeconds: 300,
    idleTimeoutSeconds: 300,
    upstreamTimeoutSeconds: 120,
    maxHeaderBytes: 256 * 1024,
    proxyPort: 8080,
    viewerPort: 8081,
    captureMaxBytes: 32 * 1024 * 1024,
    sessionIdleMinutes: 30,
    trustQuietMinutes: 10,
    insecureUpstream: false,
    secureCookies: false,
    json: false,
    gatewayPort: 8443,
    preserveHost: true,
    upstreamHttp2: false,
    progress: true,
  };
  for (const spec of Object.values(FLAGS)) {
    if (env[spec.env] !== undefined) assign(config, spec, env[spec.env]!, spec.env);
  }
  const rest: string[] = [];
  // node's parseArgs splits the command line (--flag value, --flag=value, -h, the -- terminator); the table above
  // gives each flag its meaning and check. Not strict: --preserve-host=false must pass, and refusals keep our words.
  const { tokens } = parseArgs({ args: argv, options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') rest.push(token.value);
    else if (token.kind === 'option' && token.name === 'help') rest.unshift('help');
    else if (token.kind === 'option') {
      const spec = FLAGS[`--${token.name}`];
      if (!spec) throw new VerbatimError('CONFIG_INVALID', `unknown option ${token.rawName} (see: verbatim help)`);
      if (spec.kind === 'boolean') assign(config, spec, token.value ?? 'true', token.rawName);
      else if (token.value === undefined) throw new VerbatimError('CONFIG_INVALID', `${token.rawName} needs a value`);
      else assign(config, spec, token.value, token.rawName);
    }
  }
  if (rest.length) config.command = rest[0];
  config.args = rest.slice(1);
  config.dataDir = path.resolve(config.dataDir);
  if (config.maskingFile !== undefined) config.maskingFile = path.resolve(config.maskingFile);
  if (config.identityFile !== undefined) config.identityFile = path.resolve(config.identityFile);
  if (config.keysDir !== undefined) config.keysDir = path.resolve(config.keysDir);
  if (config.migrateFrom !== undefined) config.migrateFrom = path.resolve(config.migrateFrom);
  // --retention-days N is every channel's period; --retention names channels' own.
  if (config.retentionDays !== undefined || config.retention) {
    config.retention = { ...(config.retentionDays !== undefined ? everyChannel(config.retentionDays) : {}), ...config.retention };
  }
  if (config.bodyGraceSeconds !== undefined && config.bodyGraceSeconds > MAX_BODY_GRACE_SECONDS) {
    // Deleted bodies' rows are kept twice the grace, and erased bodies stay that long: a typo in days is refused.
    throw new VerbatimError('CONFIG_INVALID', `--body-grace-seconds must be at most ${MAX_BODY_GRACE_SECONDS} (a day), got ${config.bodyGraceSeconds}`);
  }
  // A password never comes from a flag (flags show in process lists).
  if (env.VERBATIM_ADMIN_PASSWORD) config.adminPassword = env.VERBATIM_ADMIN_PASSWORD;
  return config;
}

function assign(config: VerbatimConfig, spec: (typeof FLAGS)[string], raw: string, source: string): void {
  if (spec.kind === 'removed') {
    // --host bound the proxy, the viewer and the gateway alike, so exposing the gateway exposed an open proxy.
    throw new VerbatimError('CONFIG_INVALID', `${source} is gone: each listener has its own address now `
      + '(--gateway-host, --viewer-host, --proxy-host; all 127.0.0.1 by default). See README "Listeners".');
  }
  if (spec.kind === 'boolean') {
    if (!/^(true|false|1|0)$/.test(raw)) throw new VerbatimError('CONFIG_INVALID', `${source} must be true or false, got "${raw}"`);
    (config[spec.key] as boolean) = raw === 'true' || raw === '1';
    return;
  }
  if (spec.kind === 'string') {
    (config[spec.key] as string) = raw;
    return;
  }
  if (spec.kind === 'search') {
    (config[spec.key] as string) = parseSearchUrl(raw, source, spec.env);
    return;
  }
  if (spec.kind === 'retention') {
    (config[spec.key] as RetentionPolicy) = parseRetention(raw, source);
    return;
  }
  const value = Number(raw);
  const max = spec.kind === 'port' ? 65535 : Number.MAX_SAFE_INTEGER;
  const min = spec.kind === 'positive' ? 1 : 0;
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(value) || value < min || value > max) {
    throw new VerbatimError('CONFIG_INVALID', `${source} must be ${spec.kind === 'port' ? 'a port number' : spec.kind === 'positive' ? 'a whole number of at least 1' : 'a whole number'}, got "${raw}"`);
  }
  (config[spec.key] as number) = value;
}

/** `proxy=2555,kiosk=1825`: days per channel; each channel at most once, at least one day (0 would erase all its sessions). */
export function parseRetention(raw: string, source = '--retention'): RetentionPolicy {
  const policy: RetentionPolicy = {};
  const channels = CHANNELS.join(', ');
  for (const entry of raw.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*(\S*)\s*$/.exec(entry);
    if (!m) throw new VerbatimError('CONFIG_INVALID', `${source} takes channel=days pairs separated by commas (channels: ${channels}), got "${raw}"`);
    const channel = m[1]!;
    const days = m[2]!;
    if (!Object.hasOwn(CHANNEL_SET, channel)) throw new VerbatimError('CONFIG_INVALID', `${source}: unknown channel "${channel}" (channels: ${channels})`);
    if (Object.hasOwn(policy, channel)) throw new VerbatimError('CONFIG_INVALID', `${source} names ${channel} twice`);
    if (!/^\d+$/.test(days) || Number(days) < 1 || !Number.isSafeInteger(Number(days))) {
      throw new VerbatimError('CONFIG_INVALID', `${source}: days for ${channel} must be a whole number of at least 1, got "${days}"`);
    }
    policy[channel as Channel] = Number(days);
  }
  return policy;
}

/**
 * `postgres://user@host:port/db?schema=name`: the search index in PostgreSQL. A password only through the environment
 * (VERBATIM_SEARCH, or PGPASSWORD / ~/.pgpass, which the client reads itself): flags show in process lists.
 */
export function parseSearchUrl(raw: string, source = '--search', env = 'VERBATIM_SEARCH'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VerbatimError('CONFIG_INVALID', `${source} must be a postgres:// URL`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new VerbatimError('CONFIG_INVALID', `${source} must be a postgres:// URL, got ${url.protocol}//…`);
  }
  if (url.password && source.startsWith('--')) {
    throw new VerbatimError('CONFIG_INVALID', `${source} must not carry a password (process lists show flags): set ${env} or PGPASSWORD`);
  }
  return raw;
}

/** The same period for every channel. */
function everyChannel(days: number): RetentionPolicy {
  return Object.fromEntries(CHANNELS.map((c) => [c, days]));
}

/** "proxy 2555 days, kiosk 1825 days", for what expire reports. */
export function describeRetention(policy: RetentionPolicy): string {
  return Object.entries(policy).map(([channel, days]) => `${channel} ${days} day${days === 1 ? '' : 's'}`).join(', ');
}

/** The masking policy: the --masking file (must exist) or <data>/masking.json (default policy when absent). */
export async function loadMaskingPolicy(config: VerbatimConfig): Promise<MaskingPolicy> {
  return config.maskingFile ? loadPolicy(config.maskingFile, true) : loadPolicy(path.join(config.dataDir, 'masking.json'), false);
}
