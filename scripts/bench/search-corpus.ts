/**
 * Generated sessions for the search-index bench (search-index.ts): a bank's site map, Zipf-distributed passage
 * words, typing, clicks, errors and requests, shaped like the extractor's hits. Seeded, so a count and a seed give
 * the same corpus every run; sessions come out in start order, as a live follower would meet them.
 */
import type { SessionFacts } from '../../replay-viewer/search/search-index';
import type { Hit } from '../../replay-viewer/search/types';

/** mulberry32: tiny, fast, good enough for shapes (not for secrets). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ban', 'ka', 'lo', 'rem', 'tis', 'pa', 'yen', 'mor', 'gat', 'sul', 'vi', 'den', 'ro', 'que', 'lin', 'ta', 'bor', 'ix', 'fe', 'nu'];
const BANK_WORDS = ['account', 'balance', 'transfer', 'payment', 'savings', 'card', 'credit', 'debit', 'loan', 'mortgage', 'interest',
  'rate', 'statement', 'transaction', 'beneficiary', 'amount', 'fee', 'limit', 'overdraft', 'deposit', 'withdrawal', 'iban', 'swift',
  'pension', 'insurance', 'invest', 'fund', 'portfolio', 'tax', 'direct', 'standing', 'order', 'secure', 'verify', 'login', 'password',
  'mobile', 'branch', 'support', 'contact', 'offer', 'apply', 'approved', 'declined', 'pending', 'confirm', 'cancel', 'review', 'monthly'];
const VOCAB_SIZE = 30_000;
const SECTIONS: Record<string, string[]> = {
  accounts: ['overview', 'details', 'statements', 'settings'], payments: ['transfer', 'standing-orders', 'direct-debits', 'beneficiaries', 'confirm'],
  cards: ['overview', 'limits', 'block', 'pin'], loans: ['overview', 'apply', 'calculator'], mortgages: ['overview', 'apply', 'documents'],
  savings: ['overview', 'open', 'goals'], investments: ['portfolio', 'orders', 'funds'], profile: ['personal', 'security', 'notifications'],
  support: ['faq', 'contact', 'messages'], login: ['password', 'otp'],
};
const SECTION_NAMES = Object.keys(SECTIONS);
const FIELDS = ['iban', 'amount', 'reference', 'beneficiary-name', 'search', 'email', 'phone', 'postcode', 'username', 'description'];
const BUTTONS = ['Continue', 'Confirm payment', 'Send money', 'Cancel', 'Download statement', 'Save changes', 'Log out', 'Next', 'Back', 'Apply now'];
const ERRORS = ['TypeError: Cannot read properties of undefined (reading balance)', 'NetworkError when attempting to fetch resource',
  'Uncaught ReferenceError: analytics is not defined', 'Request timeout after 30000 ms', 'Failed to load resource: the server responded with a status of 503',
  'ChunkLoadError: Loading chunk 42 failed', 'SecurityError: The operation is insecure', 'Unhandled rejection: session expired'];
export const FIRST_PARTY = ['www.bank.example', 'api.bank.example', 'auth.bank.example', 'static.bank.example'];
export const THIRD_PARTY = ['cdn.analytics.example', 'tags.marketing.example', 'fonts.typeface.example', 'chat.support.example', 'maps.geo.example'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE'];
export const DEVICES = ['desktop', 'mobile', 'tablet'];
export const COUNTRIES = ['nl', 'de', 'be', 'fr', 'gb', 'es', 'it', 'pl', 'se', 'at'];
const BROWSERS = ['Chrome 140', 'Firefox 141', 'Safari 18', 'Edge 140'];
const OSES = ['Windows', 'macOS', 'Linux', 'Android', 'iOS'];
const YEAR_MS = 365 * 86_400_000;
export const CORPUS_START = Date.UTC(2025, 11, 1);
/** Sessions per customer on average, and the share of sessions linked to one. */
const CUSTOMER_SHARE = 0.3;
const SESSIONS_PER_CUSTOMER = 12;

export interface GeneratedSession {
  facts: SessionFacts;
  hits: Hit[];
  customer?: string;
}

/** What queries are drawn from: values the corpus really holds, so every query has results. */
export interface Samples {
  /** A phrase and a session that shows it. */
  phrases: { session: string; text: string }[];
  typed: string[];
  errors: string[];
  hosts5xx: string[];
  urlPrefixes: string[];
  customers: string[];
  sessions: { id: string; startedAt: number; device: string; country: string }[];
}

export class Corpus {
  private readonly rnd: () => number;
  private readonly vocab: string[];
  private readonly zipf: Float64Array;
  private readonly customers: number;
  readonly samples: Samples = { phrases: [], typed: [], errors: [], hosts5xx: [], urlPrefixes: [], customers: [], sessions: [] };
  /** customer → session ids (the store's blind customer index, as the API resolves `customer:`). */
  readonly customerSessions = new Map<string, string[]>();

  constructor(seed: number, private readonly count: number) {
    this.rnd = prng(seed);
    const words = new Set(BANK_WORDS);
    while (words.size < VOCAB_SIZE) {
      let w = '';
      for (let n = 2 + Math.floor(this.rnd() * 3); n > 0; n--) w += this.pick(SYLLABLES);
      words.add(w);
    }
    this.vocab = [...words];
    // Zipf s = 1: the word of rank r has weight 1/r (the bank words are the commonest).
    this.zipf = new Float64Array(VOCAB_SIZE);
    let sum = 0;
    for (let r = 0; r < VOCAB_SIZE; r++) this.zipf[r] = sum += 1 / (r + 1);
    for (let r = 0; r < VOCAB_SIZE; r++) this.zipf[r]! /= sum;
    this.customers = Math.max(1, Math.round((count * CUSTOMER_SHARE) / SESSIONS_PER_CUSTOMER));
  }

  *sessions(): Generator<GeneratedSession> {
    for (let i = 0; i < this.count; i++) yield this.session(i);
  }

  private session(i: number): GeneratedSession {
    const r = this.rnd;
    const id = `s-${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}-${i.toString(36)}`;
    const startedAt = CORPUS_START + Math.floor((i + r()) * (YEAR_MS / this.count));
    const device = weighted(r, DEVICES, [0.55, 0.38, 0.07]);
    const kiosk = r() < 0.05;
    const pages = 5 + Math.floor(r() * 26);
    const hits: Hit[] = [];
    let at = startedAt;
    const sample = i % Math.max(1, Math.floor(this.count / 400)) === 0;
    for (let p = 0; p < pages; p++) {
      const pageId = `p${p}`;
      const section = p === 0 ? 'login' : this.pick(SECTION_NAMES);
      const sub = this.pick(SECTIONS[section]!);
      const idPart = r() < 0.5 ? `/${100000 + Math.floor(r() * 900000)}` : '';
      const path = `/${section}/${sub}${idPart}`;
      const host = FIRST_PARTY[0]!;
      hits.push({ kind: 'url', at, pageId, text: `https://${host}${path}`, host, path });
      hits.push({ kind: 'title', at: at + 5, pageId, text: `${cap(sub.replace(/-/g, ' '))} | ${cap(section)} | Bank` });
      if (sample && p === 1) this.samples.urlPrefixes.push(`/${section}/${sub}`);
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
        const text = this.passage(8 + Math.floor(r() * 40));
        hits.push({ kind: 'text', at: at + 20 + k, pageId, text });
        if (sample && k === 1 && p === 2) this.samples.phrases.push({ session: id, text: text.split(' ').slice(2, 5).join(' ') });
      }
      for (let k = Math.floor(r() * 3); k > 0; k--) {
        at += 500 + Math.floor(r() * 20_000);
        const label = this.pick(BUTTONS);
        hits.push({ kind: 'clicked', at, pageId, text: label, field: `button#${label.toLowerCase().replace(/ /g, '-')}` });
      }
      if (r() < 0.3) {
        at += 1_000 + Math.floor(r() * 15_000);
        const field = this.pick(FIELDS);
        const value = field === 'amount' ? String(Math.floor(r() * 5000)) : `${this.word()}${Math.floor(r() * 1e6)}`;
        hits.push({ kind: 'typed', at, pageId, text: value, field });
        if (sample && this.samples.typed.length < 400) this.samples.typed.push(value);
      }
      if (r() < 0.01) {
        const text = this.pick(ERRORS);
        hits.push({ kind: 'error', at: at + 50, pageId, text, field: 'console.error' });
        if (this.samples.errors.length < 200) this.samples.errors.push(text.split(' ').slice(0, 2).join(' '));
      }
      for (let k = 2 + Math.floor(r() * 4); k > 0; k--) {
        const third = r() < 0.3;
        const rhost = third ? this.pick(THIRD_PARTY) : this.pick(FIRST_PARTY.slice(1));
        const method = third ? 'GET' : this.pick(METHODS);
        const rpath = third ? `/v2/${this.pick(['collect', 'tag.js', 'font.woff2', 'widget', 'tile'])}` : `/api/${section}/${this.pick(['list', 'get', 'update', 'validate'])}`;
        const x = r();
        const status = x < 0.02 ? this.pick([500, 502, 503, 504]) : x < 0.05 ? this.pick([400, 401, 403, 404, 409]) : this.pick([200, 200, 200, 204, 304]);
        hits.push({ kind: 'request', at: at + 30 + k, text: `${method} ${rhost}${rpath} ${status}`, field: `${method} ${rhost}${rpath}`,
          host: rhost, path: rpath, method, status, durationMs: Math.floor(20 + r() * r() * 3000) });
        if (status >= 500 && this.samples.hosts5xx.length < 400) this.samples.hosts5xx.push(rhost);
      }
      at += 2_000 + Math.floor(r() * 60_000);
    }
    const linked = r() < CUSTOMER_SHARE;
    let customer: string | undefined;
    if (linked) {
      customer = `C${String(1 + Math.floor(r() * this.customers)).padStart(8, '0')}`;
      const list = this.customerSessions.get(customer) ?? [];
      list.push(id);
      this.customerSessions.set(customer, list);
      if (sample) this.samples.customers.push(customer);
    }
    const facts: SessionFacts = {
      id, channel: kiosk ? 'kiosk' : 'proxy', ...(kiosk ? { terminal: `T-${Math.floor(r() * 200)}` } : {}),
      browser: this.pick(BROWSERS), os: device === 'desktop' ? this.pick(OSES.slice(0, 3)) : this.pick(OSES.slice(3)),
      device, country: weighted(r, COUNTRIES, [0.3, 0.2, 0.1, 0.1, 0.08, 0.07, 0.06, 0.04, 0.03, 0.02]),
      startedAt, endedAt: at, pageCount: pages, durationMs: at - startedAt, activeMs: Math.floor((at - startedAt) * 0.6),
      customerLinked: linked, entryUrl: hits[0]!.text,
    };
    if (sample) this.samples.sessions.push({ id, startedAt, device, country: facts.country! });
    return { facts, hits, customer };
  }

  private passage(n: number): string {
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(this.word());
    return out.join(' ');
  }

  private word(): string {
    const x = this.rnd();
    let lo = 0;
    let hi = VOCAB_SIZE - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.zipf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return this.vocab[lo]!;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
}

function weighted<T>(r: () => number, xs: readonly T[], weights: readonly number[]): T {
  let x = r();
  for (let i = 0; i < xs.length; i++) if ((x -= weights[i]!) < 0) return xs[i]!;
  return xs[xs.length - 1]!;
}

const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
