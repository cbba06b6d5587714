/**
 * Minimal Content-Security-Policy adjustment: after it, the page's policy also
 * allows exactly our inline bootstrap (by nonce), the recorder script it adds,
 * the recorder's endpoint and (under Trusted Types) our policy name, and nothing
 * else changes. A nonce the site already uses is reused; otherwise the narrowest
 * source that works under that policy is added (see allowScript below).
 */
import { TRUSTED_TYPES_POLICY } from '../recorder/protocol';

export interface CspTarget {
  /** Absolute URL of the recorder script, e.g. https://bank.example/__verbatim/recorder-ab12.js */
  scriptUrl: string;
  /** Absolute URL of the upload endpoint. */
  endpointUrl: string;
  /** Origin of the page (scheme://host[:port]). */
  origin: string;
}

export interface CspAdjustment {
  /** The rewritten policy text (unchanged if nothing was needed). */
  policy: string;
  changed: boolean;
}

type Directive = { name: string; sources: string[] };

const NONCE = /^'nonce-([^']+)'$/i;

/** Finds a nonce the page's policies already allow for scripts (to put on our tag). */
export function findScriptNonce(policies: string[]): string | undefined {
  for (const text of policies) {
    for (const policy of splitPolicies(text)) {
      const directive = effective(parse(policy), ['script-src-elem', 'script-src', 'default-src']);
      const nonce = directive?.sources.map((s) => NONCE.exec(s)?.[1]).find(Boolean);
      if (nonce) return nonce;
    }
  }
  return undefined;
}

/**
 * Adjusts one header value or meta content (it may hold several comma-separated policies).
 * `nonce` is the nonce our tag will carry.
 */
export function adjustPolicy(text: string, target: CspTarget, nonce: string): CspAdjustment {
  let changed = false;
  const out = splitPolicies(text).map((policy) => {
    const directives = parse(policy);
    const a = allowScript(directives, target, nonce);
    const b = allowConnect(directives, target);
    const c = allowTrustedTypesPolicy(directives);
    if (!a && !b && !c) return policy;
    changed = true;
    return directives.map((d) => [d.name, ...d.sources].join(' ')).join('; ');
  });
  return { policy: changed ? out.join(', ') : text, changed };
}

function allowScript(directives: Directive[], target: CspTarget, nonce: string): boolean {
  const names = ['script-src-elem', 'script-src', 'default-src'];
  const directive = effective(directives, names);
  if (!directive) return false;
  const sources = directive.sources.map((s) => s.toLowerCase());
  const strictDynamic = sources.includes("'strict-dynamic'");
  // Our tag is an inline bootstrap carrying `nonce`; the recorder it adds carries it too.
  if (directive.sources.some((s) => NONCE.exec(s)?.[1] === nonce)) return false;
  const hasNonceOrHash = sources.some((s) => s.startsWith("'nonce-") || /^'sha(256|384|512)-/.test(s));
  // 'unsafe-inline' counts only when no nonce, hash or strict-dynamic switches it off.
  const inlineAllowed = sources.includes("'unsafe-inline'") && !hasNonceOrHash && !strictDynamic;
  const urlAllowed = strictDynamic || allowsUrl(sources, target.scriptUrl, target.origin);
  if (inlineAllowed && urlAllowed) return false;

  const into = writable(directives, directive, 'script-src');
  drop(into, "'none'");
  // Adding a nonce where 'unsafe-inline' is in force would switch it off for the site's own inline scripts.
  if (!inlineAllowed) into.sources.push(`'nonce-${nonce}'`);
  if (!urlAllowed) into.sources.push(target.scriptUrl);
  return true;
}

/** Pages that enforce Trusted Types must let the bootstrap create its one policy. */
function allowTrustedTypesPolicy(directives: Directive[]): boolean {
  const directive = directives.find((d) => d.name === 'trusted-types');
  if (!directive) return false;
  const sources = directive.sources.map((s) => s.toLowerCase());
  if (sources.includes('*') || sources.includes(TRUSTED_TYPES_POLICY)) return false;
  drop(directive, "'none'");
  directive.sources.push(TRUSTED_TYPES_POLICY);
  return true;
}

function allowConnect(directives: Directive[], target: CspTarget): boolean {
  const directive = effective(directives, ['connect-src', 'default-src']);
  if (!directive) return false;
  if (allowsUrl(directive.sources.map((s) => s.toLowerCase()), target.endpointUrl, target.origin)) return false;
  const into = writable(directives, directive, 'connect-src');
  drop(into, "'none'");
  into.sources.push(target.endpointUrl);
  return true;
}

/** True when a source list (lower-cased) already allows `url`, for the cases that matter here. */
function allowsUrl(sources: string[], url: string, origin: string): boolean {
  const scheme = url.slice(0, url.indexOf(':') + 1);
  const lowerUrl = url.toLowerCase();
  const host = origin.slice(origin.indexOf('//') + 2).toLowerCase();
  return sources.some((s) =>
    s === "'self'" || s === '*' || s === scheme || s === origin.toLowerCase() || s === host ||
    s === `${origin.toLowerCase()}/` || lowerUrl === s ||
    (s.endsWith('/') && lowerUrl.startsWith(s) && s.includes('://')));
}

/** The directive to extend: the effective one, or a new one cloned from default-src so other types stay as they were. */
function writable(directives: Directive[], effectiveDirective: Directive, name: string): Directive {
  if (effectiveDirective.name !== 'default-src') return effectiveDirective;
  const created = { name, sources: [...effectiveDirective.sources] };
  directives.push(created);
  return created;
}

function drop(directive: Directive, source: string): void {
  directive.sources = directive.sources.filter((s) => s.toLowerCase() !== source);
}

function effective(directives: Directive[], names: string[]): Directive | undefined {
  for (const name of names) {
    const found = directives.find((d) => d.name === name);
    if (found) return found;
  }
  return undefined;
}

function parse(policy: string): Directive[] {
  const seen = new Set<string>();
  const out: Directive[] = [];
  for (const part of policy.split(';')) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    if (!tokens.length) continue;
    const name = tokens[0].toLowerCase();
    if (seen.has(name)) continue; // browsers ignore repeated directives
    seen.add(name);
    out.push({ name, sources: tokens.slice(1) });
  }
  return out;
}

function splitPolicies(text: string): string[] {
  return text.split(',').map((p) => p.trim()).filter(Boolean);
}
