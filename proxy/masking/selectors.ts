/**
 * A small per-element selector matcher for the server side, where there is no
 * DOM: tag, #id, .class, [attr], [attr=value] and comma lists. For a selector
 * with combinators only its last compound is matched, which can mask more than
 * the page does but never less.
 */
export type Attributes = Record<string, unknown>;

interface Compound {
  tag?: string;
  id?: string;
  classes: string[];
  attrs: { name: string; value?: string }[];
}

export function compileSelectors(selectors: string[]): Compound[] {
  const out: Compound[] = [];
  for (const list of selectors) {
    for (const sel of list.split(',')) {
      const parts = sel.trim().split(/\s*[\s>+~]\s*/).filter(Boolean);
      const last = parts[parts.length - 1];
      if (last) out.push(parseCompound(last));
    }
  }
  return out;
}

function parseCompound(s: string): Compound {
  const c: Compound = { classes: [], attrs: [] };
  const re = /^([a-zA-Z][\w-]*|\*)|#([\w-]+)|\.([\w-]+)|\[\s*([\w-]+)\s*(?:[~|^$*]?=\s*(?:"([^"]*)"|'([^']*)'|([^\]\s]*)))?\s*\]/g;
  for (const m of s.matchAll(re)) {
    if (m[1] && m[1] !== '*') c.tag = m[1].toLowerCase();
    else if (m[2]) c.id = m[2];
    else if (m[3]) c.classes.push(m[3]);
    else if (m[4]) c.attrs.push({ name: m[4].toLowerCase(), value: m[5] ?? m[6] ?? m[7] });
  }
  return c;
}

export function matchesAny(compounds: Compound[], tagName: string, attributes: Attributes): boolean {
  if (!compounds.length) return false;
  const tag = tagName.toLowerCase();
  const classes = typeof attributes.class === 'string' ? attributes.class.split(/\s+/) : [];
  return compounds.some((c) =>
    (!c.tag || c.tag === tag) &&
    (!c.id || attributes.id === c.id) &&
    c.classes.every((k) => classes.includes(k)) &&
    c.attrs.every((a) => a.name in attributes && (a.value === undefined || String(attributes[a.name]) === a.value)));
}
