/**
 * Where the recorder learns its session token and endpoint: the extension sets
 * `window.__verbatimConfig` before the bundle runs; the proxy puts attributes on
 * the injected <script> tag. Must be called synchronously while the bundle's
 * top level runs (document.currentScript is null afterwards).
 */
import { CHECKOUT_ATTRIBUTE, EARLY_EVENTS_ATTRIBUTE, ENDPOINT_ATTRIBUTE, LATE_EVENTS_KEY, EVENTS_PATH, FRAME_PARENTS_ATTRIBUTE, MASKING_ATTRIBUTE, TOKEN_ATTRIBUTE, type MaskingConfig } from './protocol';

export interface RecorderConfig {
  token: string;
  endpoint: string;
  /** Origins a cross-origin frame may hand its events to; undefined = any. */
  frameParents?: string[];
  /** Extra masking from the policy file (password fields are masked regardless). */
  masking?: MaskingConfig;
  /** Errors and console.error calls the proxy's bootstrap kept before the recorder ran. */
  early?: [string, Record<string, unknown>][];
  /** Full-snapshot interval in ms, when the injecting side overrides the default. */
  checkoutEveryMs?: number;
}

declare global {
  interface Window {
    __verbatimConfig?: { token?: unknown; endpoint?: unknown; frameParents?: unknown; masking?: unknown };
  }
}

export function readConfig(): RecorderConfig | null {
  const global = window.__verbatimConfig;
  if (global && typeof global.token === 'string' && global.token) {
    // Page scripts have no business reading the token.
    try {
      delete window.__verbatimConfig;
    } catch {
      /* non-configurable: leave it */
    }
    return {
      token: global.token,
      endpoint: typeof global.endpoint === 'string' && global.endpoint ? global.endpoint : EVENTS_PATH,
      frameParents: Array.isArray(global.frameParents) ? global.frameParents.map(String) : undefined,
      masking: readMasking(global.masking),
    };
  }
  const script = document.currentScript;
  const token = script?.getAttribute(TOKEN_ATTRIBUTE);
  if (!script || !token) return null;
  const parents = script.getAttribute(FRAME_PARENTS_ATTRIBUTE);
  const config: RecorderConfig = {
    token,
    endpoint: script.getAttribute(ENDPOINT_ATTRIBUTE) || EVENTS_PATH,
    frameParents: parents === null ? undefined : parents.split(/\s+/).filter(Boolean),
    masking: readMasking(script.getAttribute(MASKING_ATTRIBUTE)),
    early: readEarly(script.getAttribute(EARLY_EVENTS_ATTRIBUTE)),
    checkoutEveryMs: readCheckout(script.getAttribute(CHECKOUT_ATTRIBUTE)),
  };
  // Our tag has done its job: removing it keeps the token out of the DOM (and so
  // out of page scripts' reach and out of the recorded snapshot).
  script.remove();
  return config;
}

function readCheckout(raw: string | null): number | undefined {
  const ms = raw === null ? NaN : Number(raw);
  return Number.isFinite(ms) && ms >= 1_000 ? ms : undefined;
}

function readMasking(raw: unknown): MaskingConfig | undefined {
  try {
    const v = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown> | null;
    if (!v || typeof v !== 'object') return undefined;
    const list = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string' && !!s) : []);
    return { maskSelectors: list(v.maskSelectors), maskInputTypes: list(v.maskInputTypes), blockSelectors: list(v.blockSelectors), maskFields: list(v.maskFields) };
  } catch {
    return undefined;
  }
}

/** What the bootstrap kept while the recorder downloaded; called once the recorder's own hooks are in. */
export function takeLateEvents(): RecorderConfig['early'] {
  try {
    const take = (window as unknown as Record<string, unknown>)[LATE_EVENTS_KEY];
    return typeof take === 'function' ? validEarly(take()) : undefined;
  } catch {
    return undefined;
  }
}

function readEarly(raw: string | null): RecorderConfig['early'] {
  if (!raw) return undefined;
  try {
    return validEarly(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

function validEarly(list: unknown): RecorderConfig['early'] {
  if (!Array.isArray(list)) return undefined;
  return list.filter((x): x is [string, Record<string, unknown>] =>
    Array.isArray(x) && typeof x[0] === 'string' && !!x[1] && typeof x[1] === 'object');
}
