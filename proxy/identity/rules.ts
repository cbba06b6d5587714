/**
 * Customer identity rules: where the proxy reads a customer id and attaches it to
 * the session (store/customer-index.ts), so agents find sessions by customer id
 * and a customer's sessions link into a history. One JSON file
 * (<data>/identity.json or --identity FILE):
 *
 * { "rules": [
 *   { "from": "form",   "field": "username", "url": "/login" },      // login form field, once the login succeeded
 *   { "from": "cookie", "name": "customer_id" },                     // a cookie the site sets (Set-Cookie)
 *   { "from": "header", "name": "x-customer-id" },                   // response header
 *   { "from": "json",   "path": "$.customer.id", "url": "/api/me" }  // JSON response field
 * ] }
 *
 * Only what the site says counts, never what the browser sends: a customer id is read from the site's responses
 * (Set-Cookie, headers, JSON) or from a login form the site accepted. A browser can send any cookie and post any
 * username, so a request cookie is never read, and a form field counts only when the site answered the post with a
 * redirect (3xx) or with a 2xx that sets a cookie — not with a 4xx, a 5xx or the login page again. A rule's
 * `"success"` can name the statuses that mean success instead (`"success": [302, 303]`).
 *
 * `url` (optional) is a path ("/login", matched exactly, query ignored), a path prefix ending in `*` ("/api/*"),
 * or either with an origin ("https://bank.example/login"). Rules are tried in order; the first id found for a
 * session is kept. Runs before masking, on the raw values.
 */
import { readFile } from 'node:fs/promises';
import { VerbatimError } from '../../store/errors';
import { parseJsonPath } from '../masking/policy';

export type IdentityRule =
  | { from: 'form'; field: string; url?: string; success?: number[] }
  | { from: 'cookie'; name: string; url?: string }
  | { from: 'header'; name: string; url?: string }
  | { from: 'json'; path: string[]; url?: string };

export interface ExchangeFacts {
  url: string;
  method: string;
  status: number;
  requestBody?: { bytes: Buffer; contentType: string };
  responseHeaders: [string, string][];
  /** Decoded response body, JSON only (read lazily: most exchanges need none). */
  responseJson?: () => Promise<unknown>;
}

const MAX_ID_LENGTH = 128;

export function parseIdentityRules(raw: unknown, source = 'identity rules'): IdentityRule[] {
  const fail = (why: string): never => { throw new VerbatimError('CONFIG_INVALID', `${source}: ${why}`); };
  const rules = (raw as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) fail('must be {"rules": [...]}');
  return (rules as Record<string, unknown>[]).map((r, i) => {
    const url = r.url === undefined ? undefined : typeof r.url === 'string' ? r.url : fail(`rules[${i}].url must be a string`);
    const str = (k: string) => (typeof r[k] === 'string' && r[k] ? (r[k] as string) : fail(`rules[${i}].${k} must be a non-empty string`));
    switch (r.from) {
      case 'form': {
        const success = r.success === undefined ? undefined
          : Array.isArray(r.success) && r.success.every((n) => Number.isInteger(n) && (n as number) >= 200 && (n as number) < 400)
            ? r.success as number[] : fail(`rules[${i}].success must be a list of 2xx/3xx statuses`);
        return { from: 'form', field: str('field'), url, ...(success ? { success } : {}) };
      }
      case 'cookie': return { from: 'cookie', name: str('name'), url };
      case 'header': return { from: 'header', name: str('name').toLowerCase(), url };
      case 'json': return { from: 'json', path: parseJsonPath(str('path')) ?? fail(`rules[${i}].path cannot be parsed`), url };
      default: return fail(`rules[${i}].from must be form, cookie, header or json`);
    }
  });
}

export async function loadIdentityRules(file: string, required: boolean): Promise<IdentityRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new VerbatimError('CONFIG_INVALID', `cannot read identity rules ${file}`, {}, { cause: err });
  }
  try {
    return parseIdentityRules(JSON.parse(text), file);
  } catch (err) {
    if (err instanceof SyntaxError) throw new VerbatimError('CONFIG_INVALID', `identity rules ${file} are not valid JSON`);
    throw err;
  }
}

/** The customer id an exchange reveals under these rules, with the rule that found it. */
export async function findCustomerId(rules: IdentityRule[], x: ExchangeFacts): Promise<{ id: string; source: string } | undefined> {
  for (const rule of rules) {
    if (rule.url && !urlMatches(rule.url, x.url)) continue;
    const id = await apply(rule, x);
    const clean = id?.trim();
    if (clean && clean.length <= MAX_ID_LENGTH) return { id: clean, source: describe(rule) };
  }
  return undefined;
}

async function apply(rule: IdentityRule, x: ExchangeFacts): Promise<string | undefined> {
  switch (rule.from) {
    case 'form': {
      if (!x.requestBody || !loginSucceeded(rule.success, x)) return undefined;
      const text = x.requestBody.bytes.toString('utf8');
      if (/json/i.test(x.requestBody.contentType)) {
        try {
          const v = (JSON.parse(text) as Record<string, unknown>)[rule.field];
          return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
        } catch {
          return undefined;
        }
      }
      return new URLSearchParams(text).get(rule.field) ?? undefined;
    }
    case 'cookie': {
      for (const [n, v] of x.responseHeaders) {
        if (n !== 'set-cookie') continue;
        const m = new RegExp(`^\\s*${escapeRegex(rule.name)}=([^;]*)`).exec(v);
        if (m?.[1]) return safeDecode(m[1]);
      }
      return undefined;
    }
    case 'header':
      return x.responseHeaders.find(([n]) => n === rule.name)?.[1];
    case 'json': {
      if (!x.responseJson) return undefined;
      let v: unknown = await x.responseJson();
      for (const seg of rule.path) {
        if (v === null || typeof v !== 'object') return undefined;
        v = (v as Record<string, unknown>)[seg];
      }
      return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    }
  }
}

/** Whether the site accepted the form post: the rule's statuses, else a redirect or a 2xx that sets a cookie. */
function loginSucceeded(success: number[] | undefined, x: ExchangeFacts): boolean {
  if (success) return success.includes(x.status);
  if (x.status >= 300 && x.status < 400) return true;
  return x.status >= 200 && x.status < 300 && x.responseHeaders.some(([n]) => n === 'set-cookie');
}

/** A rule's `url` against a request URL: exact path (query ignored), or a prefix ending in `*`; origin if given. */
export function urlMatches(pattern: string, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  let path = pattern;
  const origin = /^https?:\/\/[^/]+/i.exec(pattern)?.[0];
  if (origin) {
    if (origin.toLowerCase() !== target.origin.toLowerCase()) return false;
    path = pattern.slice(origin.length) || '/';
  }
  if (path.endsWith('*')) return target.pathname.startsWith(path.slice(0, -1));
  return target.pathname === path;
}

function describe(rule: IdentityRule): string {
  switch (rule.from) {
    case 'form': return `form:${rule.field}`;
    case 'cookie': return `cookie:${rule.name}`;
    case 'header': return `header:${rule.name}`;
    case 'json': return `json:$.${rule.path.join('.')}`;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
