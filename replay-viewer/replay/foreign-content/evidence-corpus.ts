/**
 * What the servers sent, as text to look words up in: every captured body of the session that a page can render
 * text from (HTML, scripts, JSON, templates, CSS `content`, XML/SVG, received WebSocket text), decoded, escapes
 * undone, lower-cased, whitespace collapsed. A text the page showed is *explained* when the site could have produced
 * it: it appears in that corpus whole, or each of its phrases does (digits and punctuation split phrases, because
 * code formats numbers and joins labels to data), a phrase being allowed one join (a template literal with one
 * interpolation: "welcome back, " + name).
 *
 * Phrases are matched as whole words in order (word-index.ts); ids, class names and hosts as substrings.
 *
 * Numbers alone are never judged (code formats, sums and dates them); nor are texts shorter than three letters or
 * made only of mask characters. What this cannot see is listed in docs/FOREIGN-CONTENT.md (known evasions).
 */

import { WordIndex, wordsOf } from './word-index';

/** A body larger than this is read up to here only. */
const MAX_BODY_CHARS = 8 * 1024 * 1024;
/** All evidence together. */
const MAX_CORPUS_CHARS = 64 * 1024 * 1024;
/** Phrases longer than this are judged on their first part only. */
const MAX_PHRASE_CHARS = 400;

export class EvidenceCorpus {
  private readonly parts: string[] = [];
  private readonly words = new WordIndex();
  private size = 0;
  private joined: string | undefined;
  private readonly cache = new Map<string, boolean>();
  capped = false;

  constructor() {
    for (const w of runtimeWords()) this.words.add(w);
  }

  /** Adds one body's text; `kind` picks which escapes to undo. */
  add(text: string, kind: 'html' | 'script' | 'json' | 'css' | 'text'): void {
    if (this.size >= MAX_CORPUS_CHARS) {
      this.capped = true;
      return;
    }
    let t = text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text;
    if (kind === 'html') t = decodeHtmlEntities(t);
    if (kind === 'script' || kind === 'json' || kind === 'html') t = decodeJsEscapes(t);
    if (kind === 'css') t = t.replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_, hex: string) => fromCodePoint(parseInt(hex, 16)));
    // Markup stays: attribute values are evidence too (a label="Payee" a component renders, a script's src host).
    const normal = normalize(t);
    this.parts.push(normal);
    this.words.add(normal);
    this.size += normal.length;
    this.joined = undefined;
    this.cache.clear();
  }

  get bytes(): number {
    return this.size;
  }

  /** True when the site's own responses could have produced this shown text (rules above). */
  explains(shown: string): boolean {
    const text = normalize(shown);
    if (!needsJudging(text)) return true;
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const verdict = this.words.contains(wordsOf(text)) || phrasesOf(text).every((p) => this.explainsPhrase(p));
    this.cache.set(text, verdict);
    return verdict;
  }

  /** The phrases of a shown text that nothing explains (for the flag's `source`). */
  unexplained(shown: string): string[] {
    const text = normalize(shown);
    if (!needsJudging(text) || this.words.contains(wordsOf(text))) return [];
    return phrasesOf(text).filter((p) => !this.explainsPhrase(p));
  }

  /** An identifier (class name, id, style text, host) anywhere in the evidence, as a substring. */
  mentions(token: string): boolean {
    const t = normalize(token);
    if (!t) return false;
    this.joined ??= this.parts.join('\u0000');
    return this.joined.includes(t);
  }

  private explainsPhrase(phrase: string): boolean {
    const words = wordsOf(phrase.slice(0, MAX_PHRASE_CHARS));
    if (this.words.contains(words)) return true;
    // One interpolation: split at each word boundary; both halves must be in the evidence.
    for (let i = 1; i < words.length; i++) {
      if (this.words.contains(words.slice(0, i)) && this.words.contains(words.slice(i))) return true;
    }
    return false;
  }
}

/**
 * Words the browser's own formatting produces, which no body holds: month and weekday names (long and short) and
 * time-zone and day-period labels of Intl and Date (`toUTCString()` → "GMT"), in the languages banks here serve.
 */
const RUNTIME_LOCALES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'sv', 'da'];
let runtime: string[] | undefined;
function runtimeWords(): string[] {
  if (runtime !== undefined) return runtime;
  const words = new Set(['gmt', 'utc', 'am', 'pm']);
  for (const locale of RUNTIME_LOCALES) {
    for (const month of ['long', 'short'] as const) {
      const f = new Intl.DateTimeFormat(locale, { month, timeZone: 'UTC' });
      for (let m = 0; m < 12; m++) words.add(normalize(f.format(Date.UTC(2024, m, 15))));
    }
    for (const weekday of ['long', 'short'] as const) {
      const f = new Intl.DateTimeFormat(locale, { weekday, timeZone: 'UTC' });
      for (let d = 0; d < 7; d++) words.add(normalize(f.format(Date.UTC(2024, 0, 1 + d))));
    }
    for (const part of new Intl.DateTimeFormat(locale, { hour: 'numeric', hour12: true, timeZone: 'UTC' }).formatToParts(Date.UTC(2024, 0, 1, 15))) {
      if (part.type === 'dayPeriod') words.add(normalize(part.value));
    }
  }
  runtime = [...words];
  return runtime;
}

export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s\u00a0\u200b-\u200d\ufeff]+/g, ' ').trim();
}

/** Judged only when it holds a run of at least three letters that is not all mask characters. */
function needsJudging(text: string): boolean {
  return /\p{L}{3}/u.test(text);
}

/**
 * Phrases: runs of letters, apostrophes, hyphens, mask characters and spaces between digits and punctuation. A
 * phrase is judged when it has a letter pair (so a country code glued to a masked number, "gb**", is judged too).
 */
function phrasesOf(text: string): string[] {
  return text.split(/[^\p{L}\p{M}'’*•\- ]+/u).map((p) => p.replace(/^[\s'’\-]+|[\s'’\-]+$/g, '')).filter((p) => /\p{L}{2}/u.test(p));
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', euro: '€', pound: '£', copy: '©', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', ldquo: '“', rdquo: '”', middot: '·', times: '×' };

function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,8});/g, (m, e: string) => {
    if (e[0] === '#') return fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return NAMED[e.toLowerCase()] ?? m;
  });
}

function decodeJsEscapes(text: string): string {
  return text.replace(/\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[nrt'"`\\/])/g, (_, e: string) => {
    if (e[0] === 'u') return fromCodePoint(parseInt(e[1] === '{' ? e.slice(2, -1) : e.slice(1), 16));
    if (e[0] === 'x') return fromCodePoint(parseInt(e.slice(1), 16));
    return e === 'n' || e === 'r' || e === 't' ? ' ' : e;
  });
}

function fromCodePoint(cp: number): string {
  return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
}
