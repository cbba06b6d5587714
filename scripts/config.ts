/**
 * The one place configuration is read: defaults, then environment, then flags.
 * Nothing else in Verbatim reads process.env or argv.
 */
import path from 'node:path';
import { VerbatimError } from '../store/errors';

export interface VerbatimConfig {
  command: string;
  args: string[];
  dataDir: string;
  host: string;
  proxyPort: number;
  viewerPort: number;
  captureMaxBytes: number;
  sessionIdleMinutes: number;
  /** PEM file of extra CAs trusted for upstream TLS (an internal PKI). */
  upstreamCaFile?: string;
  /** Skip upstream certificate checks: test benches only; the proxy warns at start. */
  insecureUpstream: boolean;
}

const FLAGS: Record<string, { key: keyof VerbatimConfig; env: string; kind: 'port' | 'string' | 'int' | 'boolean' }> = {
  '--upstream-ca': { key: 'upstreamCaFile', env: 'VERBATIM_UPSTREAM_CA', kind: 'string' },
  '--insecure-upstream': { key: 'insecureUpstream', env: 'VERBATIM_INSECURE_UPSTREAM', kind: 'boolean' },
  '--data': { key: 'dataDir', env: 'VERBATIM_DATA', kind: 'string' },
  '--host': { key: 'host', env: 'VERBATIM_HOST', kind: 'string' },
  '--proxy-port': { key: 'proxyPort', env: 'VERBATIM_PROXY_PORT', kind: 'port' },
  '--viewer-port': { key: 'viewerPort', env: 'VERBATIM_VIEWER_PORT', kind: 'port' },
  '--capture-max-bytes': { key: 'captureMaxBytes', env: 'VERBATIM_CAPTURE_MAX_BYTES', kind: 'int' },
  '--session-idle-minutes': { key: 'sessionIdleMinutes', env: 'VERBATIM_SESSION_IDLE_MINUTES', kind: 'int' },
};

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): VerbatimConfig {
  const config: VerbatimConfig = {
    command: 'start',
    args: [],
    dataDir: './data',
    host: '127.0.0.1',
    proxyPort: 8080,
    viewerPort: 8081,
    captureMaxBytes: 32 * 1024 * 1024,
    sessionIdleMinutes: 30,
    insecureUpstream: false,
  };
  for (const spec of Object.values(FLAGS)) {
    if (env[spec.env] !== undefined) assign(config, spec, env[spec.env]!, spec.env);
  }
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const spec = FLAGS[name];
    if (spec?.kind === 'boolean') {
      assign(config, spec, inline ?? 'true', name);
    } else if (spec) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new VerbatimError('CONFIG_INVALID', `${name} needs a value`);
      assign(config, spec, value, name);
    } else if (arg === '--help' || arg === '-h') {
      rest.unshift('help');
    } else if (arg.startsWith('--')) {
      throw new VerbatimError('CONFIG_INVALID', `unknown option ${arg} (see: verbatim help)`);
    } else rest.push(arg);
  }
  if (rest.length) config.command = rest[0];
  config.args = rest.slice(1);
  config.dataDir = path.resolve(config.dataDir);
  return config;
}

function assign(config: VerbatimConfig, spec: (typeof FLAGS)[string], raw: string, source: string): void {
  if (spec.kind === 'boolean') {
    if (!/^(true|false|1|0)$/.test(raw)) throw new VerbatimError('CONFIG_INVALID', `${source} must be true or false, got "${raw}"`);
    (config[spec.key] as boolean) = raw === 'true' || raw === '1';
    return;
  }
  if (spec.kind === 'string') {
    (config[spec.key] as string) = raw;
    return;
  }
  const value = Number(raw);
  const max = spec.kind === 'port' ? 65535 : Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new VerbatimError('CONFIG_INVALID', `${source} must be ${spec.kind === 'port' ? 'a port number' : 'a whole number'}, got "${raw}"`);
  }
  (config[spec.key] as number) = value;
}
