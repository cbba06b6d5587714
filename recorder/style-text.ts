/**
 * Keeps the stylesheet text the page gave, for the rules Chromium cannot write back.
 *
 * rrweb records a stylesheet by re-serialising its CSSOM (`rule.cssText`). A rule
 * whose shorthand uses var() and is then partly overridden by a longhand
 * (`border: var(--w) solid var(--c); border-top-width: 3px`) comes back from
 * Chromium as empty longhands (`border-top-color: ; …`): the replay loses the
 * border (rrweb#1667, #1626, #1567; Shoelace's sl-alert is one). No CSSOM API
 * returns the original text of such a rule, so the page's own text is kept:
 *
 * - `replaceSync`/`replace`/`insertRule` arguments, collected by a hook installed
 *   before any page script runs (the proxy's bootstrap installs the same hook in
 *   ES5, see bootstrap.ts; the extension's recorder runs at document_start and
 *   installs it here). Only texts containing `var(` are kept: no other text can
 *   serialise this way.
 * - a `<style>` element's own text.
 *
 * A kept text is used for a rule only when parsing it alone gives exactly the
 * broken serialisation of that rule: same selector, same declarations, only the
 * lost var() values can differ. Two texts of one sheet that differ only there
 * are taken in the order the page gave them.
 * A linked stylesheet's file text is not in the page: such a `<link>` is recorded
 * by URL instead (the replay loads the bytes the proxy captured).
 */

/** Window property holding the WeakMap<CSSStyleSheet, string[]> of kept texts (bootstrap.ts uses the same name). */
export const STYLE_TEXT_KEY = '__verbatimStyleText';
/** Bound on the characters kept per window. */
export const MAX_KEPT_CHARS = 4_000_000;

type Pool = WeakMap<CSSStyleSheet, string[]>;

/** `prop: ;` — a longhand serialised empty because it came from a var() shorthand (custom properties excluded). */
const EMPTY_LONGHAND = /[{;]\s*-?[a-z][\w-]*\s*:\s*;/i;

export function hasEmptyLonghand(css: string): boolean {
  return EMPTY_LONGHAND.test(css);
}

/** Installs the text hook in `win` unless the bootstrap (or an earlier call) did. */
export function installStyleTextHooks(win: Window & typeof globalThis = window): void {
  try {
    if ((win as unknown as Record<string, unknown>)[STYLE_TEXT_KEY] || typeof Proxy !== 'function') return;
    const proto = win.CSSStyleSheet?.prototype;
    if (!proto) return;
    const pool: Pool = new WeakMap();
    Object.defineProperty(win, STYLE_TEXT_KEY, { value: pool });
    let kept = 0;
    const hook = (name: 'replaceSync' | 'replace' | 'insertRule', resets: boolean): void => {
      const original = proto[name] as (...args: unknown[]) => unknown;
      if (typeof original !== 'function') return;
      // A Proxy keeps the native function's name, length and toString.
      (proto as unknown as Record<string, unknown>)[name] = new Proxy(original, {
        apply(target, self: CSSStyleSheet, args: unknown[]) {
          try {
            const text = args[0];
            if (typeof text === 'string' && text.includes('var(') && kept < MAX_KEPT_CHARS) {
              const list = resets ? [] : pool.get(self) ?? [];
              list.push(text);
              pool.set(self, list);
              kept += text.length;
            } else if (resets) {
              pool.delete(self);
            }
          } catch {
            /* never in the page's way */
          }
          return Reflect.apply(target, self, args);
        },
      });
    };
    hook('replaceSync', true);
    hook('replace', true);
    hook('insertRule', false);
  } catch {
    /* a frozen prototype: records keep rrweb's serialisation */
  }
}

/** The texts kept for `sheet` by the hook of `win` (the window whose CSSStyleSheet made it). */
function keptTexts(sheet: CSSStyleSheet, win: Window | null): string[] {
  try {
    const pool = (win as unknown as Record<string, Pool | undefined> | null)?.[STYLE_TEXT_KEY];
    return (typeof pool?.get === 'function' && pool.get(sheet)) || [];
  } catch {
    return [];
  }
}

/**
 * Splits stylesheet text into its top-level rules: blocks end at their closing
 * brace, statements (`@import …;`) at a semicolon; comments are dropped,
 * strings, escapes and nested blocks respected.
 */
export function splitRules(css: string): string[] {
  const rules: string[] = [];
  let start = 0;
  let depth = 0;
  let i = 0;
  const cut = (end: number): void => {
    const text = css.slice(start, end).replace(/\/\*[\s\S]*?\*\//g, '').trim();
    if (text) rules.push(text);
    start = end;
  };
  while (i < css.length) {
    const c = css[i];
    if (c === '/' && css[i + 1] === '*') {
      const end = css.indexOf('*/', i + 2);
      i = end < 0 ? css.length : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      for (i++; i < css.length && css[i] !== c && css[i] !== '\n'; i++) if (css[i] === '\\') i++;
    } else if (c === '\\') {
      i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      if (depth > 0 && --depth === 0) cut(i + 1);
    } else if (c === ';' && depth === 0) {
      cut(i + 1);
    }
    i++;
  }
  cut(css.length);
  return rules;
}

/**
 * For the rules of `sheet` that serialise with empty longhands: the page's text of
 * each (by rule index), taken from `ownText` (a <style>'s text) and the kept texts.
 */
export function originalRuleTexts(sheet: CSSStyleSheet, win: Window | null, ownText = ''): Map<number, string> {
  const found = new Map<number, string>();
  let rules: CSSRuleList;
  try {
    rules = sheet.cssRules;
  } catch {
    return found; // cross-origin
  }
  const broken: number[] = [];
  const wanted = new Set<string>();
  for (let i = 0; i < rules.length; i++) {
    const css = rules[i]!.cssText;
    if (hasEmptyLonghand(css)) {
      broken.push(i);
      wanted.add(selectorKey(css));
    }
  }
  if (!broken.length) return found;
  // Broken serialisation → the texts that parse to it, in source order. Only pieces whose
  // selector looks the same are parsed: a large stylesheet has one or two such rules.
  const byKey = new Map<string, string[]>();
  const scratch = new CSSStyleSheet();
  for (const text of [ownText, ...keptTexts(sheet, win)]) {
    for (const piece of splitRules(text)) {
      if (!piece.includes('var(') || !wanted.has(selectorKey(piece))) continue;
      try {
        scratch.replaceSync(piece);
      } catch {
        continue;
      }
      if (scratch.cssRules.length !== 1) continue;
      const key = scratch.cssRules[0]!.cssText;
      if (!hasEmptyLonghand(key)) continue;
      const list = byKey.get(key);
      if (list) list.push(piece);
      else byKey.set(key, [piece]);
    }
  }
  for (const i of broken) {
    const text = byKey.get(rules[i]!.cssText)?.shift();
    if (text !== undefined) found.set(i, text);
  }
  return found;
}

/** A rule's prelude (selector or at-rule condition) without the spacing and quoting Chromium normalises. */
function selectorKey(rule: string): string {
  const brace = rule.indexOf('{');
  return (brace < 0 ? rule : rule.slice(0, brace)).replace(/[\s"']/g, '').toLowerCase();
}

/** Relative url()s made absolute against `base`, as rrweb does for the rest of a <style>'s text. */
export function absolutifyUrls(css: string, base: string): string {
  return css.replace(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi, (whole, quote: string, url: string) => {
    if (!url || /^(data:|#|[a-z][\w+.-]*:)/i.test(url.trim())) return whole;
    try {
      return `url(${quote}${new URL(url.trim(), base).href}${quote})`;
    } catch {
      return whole;
    }
  });
}

/**
 * rrweb's `_cssText` of a <style> with the broken rules put back as the page wrote
 * them (each replaced where its broken serialisation occurs, in order).
 */
export function repairStyleElementText(cssText: string, style: HTMLStyleElement): string {
  const sheet = style.sheet;
  if (!sheet) return cssText;
  const base = style.baseURI;
  const fixes = originalRuleTexts(sheet, style.ownerDocument.defaultView, style.textContent ?? '');
  let out = cssText;
  let from = 0;
  for (const [index, text] of fixes) {
    let broken = sheet.cssRules[index]!.cssText;
    let at = out.indexOf(broken, from);
    if (at < 0) {
      broken = absolutifyUrls(broken, base); // rrweb made its URLs absolute
      at = out.indexOf(broken, from);
    }
    if (at < 0) continue;
    const fixed = absolutifyUrls(text, base);
    out = out.slice(0, at) + fixed + out.slice(at + broken.length);
    from = at + fixed.length;
  }
  return out;
}
