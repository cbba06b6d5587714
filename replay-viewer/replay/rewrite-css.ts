/**
 * Rewrites the resource URLs of a stylesheet: url(...) (quoted or not),
 * `@import "x"`, and the bare strings of image-set(). A small scanner rather than
 * a regex so that comments, strings, `@namespace url(...)` and look-alike
 * functions (`myurl(`) are never touched. Pure; unparseable bits are left as they are.
 */

/** Returns the replacement URL, or undefined to leave the original alone. */
export type UrlMapper = (url: string) => string | undefined;

export function rewriteCss(css: string, map: UrlMapper): string {
  let out = '';
  let copied = 0; // css[copied..i) has not been appended to `out` yet
  let depth = 0;
  const imageSetDepths: number[] = [];
  const replace = (start: number, end: number, text: string): void => {
    out += css.slice(copied, start) + text;
    copied = end;
  };

  let i = 0;
  while (i < css.length) {
    const c = css[i]!;
    if (c === '/' && css[i + 1] === '*') {
      i = skipComment(css, i);
    } else if (c === '"' || c === "'") {
      const str = scanString(css, i);
      if (imageSetDepths.length && imageSetDepths[imageSetDepths.length - 1] === depth) {
        const mapped = map(str.value);
        if (mapped !== undefined) replace(i, str.end, quote(mapped));
      }
      i = str.end;
    } else if (c === '\\') {
      i += 2;
    } else if (c === '(') {
      depth++;
      i++;
    } else if (c === ')') {
      if (imageSetDepths[imageSetDepths.length - 1] === depth) imageSetDepths.pop();
      depth = Math.max(0, depth - 1);
      i++;
    } else if (c === '@') {
      const name = readIdent(css, i + 1);
      const keyword = css.slice(i + 1, name).toLowerCase();
      i = name;
      if (keyword === 'import') {
        const at = skipSpaceAndComments(css, i);
        if (css[at] === '"' || css[at] === "'") {
          const str = scanString(css, at);
          const mapped = map(str.value);
          if (mapped !== undefined) replace(at, str.end, quote(mapped));
          i = str.end;
        }
      } else if (keyword === 'namespace') {
        // `@namespace svg url(http://www.w3.org/2000/svg)` names a namespace, not a resource.
        i = skipToStatementEnd(css, i);
      }
    } else if (isIdentChar(c)) {
      const end = readIdent(css, i);
      const name = css.slice(i, end).toLowerCase();
      if (css[end] === '(' && name === 'url') {
        const token = scanUrl(css, end + 1);
        if (token) {
          const mapped = map(token.value);
          if (mapped !== undefined) replace(i, token.end, `url(${quote(mapped)})`);
          i = token.end;
          continue;
        }
        i = end + 1;
        depth++;
      } else if (css[end] === '(' && (name === 'image-set' || name === '-webkit-image-set')) {
        depth++;
        imageSetDepths.push(depth);
        i = end + 1;
      } else {
        i = end;
      }
    } else {
      i++;
    }
  }
  return copied === 0 ? css : out + css.slice(copied);
}

function isIdentChar(c: string): boolean {
  return /[A-Za-z0-9_-]/.test(c) || c.charCodeAt(0) >= 0x80;
}

function readIdent(css: string, from: number): number {
  let i = from;
  while (i < css.length && isIdentChar(css[i]!)) i++;
  return i;
}

function skipComment(css: string, from: number): number {
  const end = css.indexOf('*/', from + 2);
  return end < 0 ? css.length : end + 2;
}

function skipSpaceAndComments(css: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < css.length && /\s/.test(css[i]!)) i++;
    if (css[i] === '/' && css[i + 1] === '*') i = skipComment(css, i);
    else return i;
  }
}

function skipToStatementEnd(css: string, from: number): number {
  let i = from;
  while (i < css.length && css[i] !== ';' && css[i] !== '{') {
    if (css[i] === '"' || css[i] === "'") i = scanString(css, i).end;
    else if (css[i] === '/' && css[i + 1] === '*') i = skipComment(css, i);
    else i++;
  }
  return i;
}

/** A quoted string starting at `from`; `end` is just past the closing quote (or the line end if unterminated). */
function scanString(css: string, from: number): { value: string; end: number } {
  const q = css[from];
  let i = from + 1;
  let value = '';
  while (i < css.length) {
    const c = css[i]!;
    if (c === q) return { value, end: i + 1 };
    if (c === '\n') return { value, end: i };
    if (c === '\\') {
      const esc = readEscape(css, i);
      value += esc.text;
      i = esc.end;
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: i };
}

/** The body of `url(` starting just after the parenthesis; undefined for a bad url token. */
function scanUrl(css: string, from: number): { value: string; end: number } | undefined {
  let i = from;
  while (i < css.length && /\s/.test(css[i]!)) i++;
  if (css[i] === '"' || css[i] === "'") {
    const str = scanString(css, i);
    let j = str.end;
    while (j < css.length && /\s/.test(css[j]!)) j++;
    return css[j] === ')' ? { value: str.value, end: j + 1 } : undefined;
  }
  let value = '';
  while (i < css.length) {
    const c = css[i]!;
    if (c === ')') return { value: value.trim(), end: i + 1 };
    if (c === '"' || c === "'" || c === '(') return undefined;
    if (c === '\\') {
      const esc = readEscape(css, i);
      value += esc.text;
      i = esc.end;
      continue;
    }
    value += c;
    i++;
  }
  return undefined;
}

/** A CSS escape at `from` (the backslash): hex code point with optional trailing space, or a literal char. */
function readEscape(css: string, from: number): { text: string; end: number } {
  const next = css[from + 1];
  if (next === undefined) return { text: '', end: from + 1 };
  if (next === '\n') return { text: '', end: from + 2 }; // line continuation inside a string
  const hex = /^[0-9a-fA-F]{1,6}/.exec(css.slice(from + 1, from + 7));
  if (hex) {
    let end = from + 1 + hex[0].length;
    if (css[end] === ' ' || css[end] === '\t' || css[end] === '\n') end++;
    const cp = parseInt(hex[0], 16);
    const valid = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    return { text: valid ? String.fromCodePoint(cp) : '\ufffd', end };
  }
  return { text: next, end: from + 2 };
}

function quote(url: string): string {
  return `"${url.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\a ')}"`;
}
