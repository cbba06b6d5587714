/**
 * The extension's configuration: managed storage (IT policy) wins; without it a
 * pilot configuration saved by the options page is used. Field names match
 * managed-schema.json.
 */
export interface KioskConfig {
  /** Base URL of the Verbatim viewer/collector, e.g. https://verbatim.bank.internal:8081 */
  collectorUrl: string;
  terminalId: string;
  /** The token `verbatim terminals add <terminal-id>` printed. */
  enrolmentToken: string;
  /** URL patterns (`*` matches anything) to record; empty = every http(s) page. */
  allowUrls: string[];
  /** URL patterns never recorded; deny wins over allow. */
  denyUrls: string[];
  /** CSS selectors whose text and input values are recorded as asterisks. */
  maskSelectors: string[];
  /** Inactivity that ends a kiosk session. */
  idleTimeoutSeconds: number;
  /** Returning to this URL (prefix) ends the kiosk session; the home screen itself is not recorded. */
  homeUrl: string;
  /** Bound on the offline queue; the oldest items go first when it is full. */
  maxQueueBytes: number;
}

export const DEFAULTS: Omit<KioskConfig, 'collectorUrl' | 'terminalId' | 'enrolmentToken'> = {
  allowUrls: [],
  denyUrls: [],
  maskSelectors: [],
  idleTimeoutSeconds: 300,
  homeUrl: '',
  maxQueueBytes: 200 * 1024 * 1024,
};

/** Storage key of the options page's pilot configuration (storage.local). */
export const PILOT_KEY = 'pilotConfig';

/**
 * The collector's base URL from what IT pasted: the viewer's URL, or the collector
 * URL `verbatim start` prints (`…/collect/v1/`); both mean the same server.
 */
export function collectorBase(url: string): string {
  return url.replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\/collect(\/v1)?$/i, '').replace(/\/+$/, '');
}

/** Fills defaults; returns undefined when the essentials are missing. */
export function normalizeConfig(raw: Record<string, unknown> | undefined): KioskConfig | undefined {
  if (!raw) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : []);
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  const config: KioskConfig = {
    collectorUrl: collectorBase(str(raw.collectorUrl)),
    terminalId: str(raw.terminalId),
    enrolmentToken: str(raw.enrolmentToken),
    allowUrls: list(raw.allowUrls),
    denyUrls: list(raw.denyUrls),
    maskSelectors: list(raw.maskSelectors),
    idleTimeoutSeconds: num(raw.idleTimeoutSeconds, DEFAULTS.idleTimeoutSeconds),
    homeUrl: str(raw.homeUrl),
    maxQueueBytes: num(raw.maxQueueBytes, DEFAULTS.maxQueueBytes),
  };
  if (!/^https?:\/\//i.test(config.collectorUrl) || !config.terminalId || !config.enrolmentToken) return undefined;
  return config;
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

export function urlMatches(url: string, patterns: string[]): boolean {
  return patterns.some((p) => patternToRegExp(p).test(url));
}

/** Whether a page at this URL may be recorded. The collector itself never is. */
export function shouldRecord(config: KioskConfig, url: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false;
  if (url.startsWith(`${config.collectorUrl}/`)) return false;
  if (urlMatches(url, config.denyUrls)) return false;
  return config.allowUrls.length === 0 || urlMatches(url, config.allowUrls);
}

/**
 * Whether a resource a recorded page loaded may be captured. The allow list names
 * the pages to record, not where their stylesheets, fonts and images come from
 * (often another host: a CDN); the deny list and the collector still apply.
 */
export function shouldCaptureResource(config: KioskConfig, url: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false;
  if (url.startsWith(`${config.collectorUrl}/`)) return false;
  return !urlMatches(url, config.denyUrls);
}

/**
 * Whether a frame is recorded: by its top-level page (a cross-origin frame inside
 * an allowed page is part of what the customer saw), unless the frame's own URL is denied.
 */
export function shouldRecordFrame(config: KioskConfig, frameUrl: string, topUrl: string | undefined): boolean {
  if (!topUrl || topUrl === frameUrl) return shouldRecord(config, frameUrl);
  return shouldRecord(config, topUrl) && shouldCaptureResource(config, frameUrl);
}

export function isHome(config: KioskConfig, url: string): boolean {
  return config.homeUrl !== '' && url.startsWith(config.homeUrl);
}
