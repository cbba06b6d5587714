/**
 * A query's syntax tree (../query/ast.ts) as SQL over the PostgreSQL index (schema.ts): `s` is the sessions row, `h` a
 * hits row. The same three views as SQLite's compiler (../sqlite/compile-query.ts), and the same answers:
 * - session(): does the session match (the WHERE of a search);
 * - moment(prev): the session's first matching moment at or after `prev` (NULL: none), which chains `then` steps;
 * - hits(): the hits that count as matching moments (positive text/hit terms; NOT contributes none).
 * Text terms become a tsquery over the keyed token hashes in `h.doc` (GIN): a phrase is `a <-> b`, a prefix the word
 * or its indexed prefix token. Everything else goes through plain columns.
 */
import { VerbatimError } from '../../../store/errors';
import type { QueryNode, Term } from '../query/ast';
import type { IndexKey } from '../index-key';
import { TAG } from '../hit-tokens';
import { KINDS_OF, positiveTerms } from '../query-terms';
import { normalPath, PATH_PREFIX_MAX, splitUrl, WORD_PREFIX_MAX, WORD_PREFIX_MIN, words } from '../tokens';
import { FALSE, TRUE, frag, join, sql, type Frag } from './pg-sql';

const SESSION_KEYWORDS: Record<string, string> = {
  channel: 's.channel', terminal: 's.terminal', device: 's.device', browser: 's.browser', os: 's.os', country: 's.country', session: 's.id',
};
/** Browser and OS values carry a version ("Chrome 140", "Windows 10/11"): the name alone matches every version. */
const VERSIONED_KEYWORDS = new Set(['browser', 'os']);
const SESSION_NUMBERS: Record<string, string> = { pages: 's.page_count', duration: 's.duration_ms', active: 's.active_ms', score: 's.score',
  // The trust job's (derived/trust-job.ts); NULL until it has run, so a comparison finds only checked sessions.
  fidelity: 's.fidelity' };
const HIT_NUMBERS: Record<string, string> = { status: 'h.status', took: 'h.duration_ms' };
const OPS = new Set(['=', '>', '>=', '<', '<=']);
/** Then-sequences nest their SQL; a bound keeps a hostile query from making a megabyte statement. */
const MAX_NODES = 64;

export interface CompileContext {
  key: IndexKey;
  customerSessions?: ReadonlyMap<string, readonly string[]>;
}

export class PgQueryCompiler {
  private nodes = 0;
  constructor(private readonly ctx: CompileContext) {}

  session(node: QueryNode): Frag {
    this.count();
    switch (node.kind) {
      case 'and': return node.items.length ? sql('(', join(' AND ', node.items.map((n) => this.session(n))), ')') : TRUE;
      case 'or': return node.items.length ? sql('(', join(' OR ', node.items.map((n) => this.session(n))), ')') : FALSE;
      // IS NOT TRUE, not NOT: a session without the field (NULL) is not "field:value" either, and NOT NULL is NULL.
      case 'not': return sql('((', this.session(node.item), ') IS NOT TRUE)');
      case 'then': return sql('(', join(' AND ', node.steps.map((n) => this.session(n))), ' AND (', this.moment(node, frag('-1')), ') IS NOT NULL)');
      default: {
        const hit = this.hitTerm(node);
        if (hit) return sql('s.sid IN (SELECT h.sid FROM hits h WHERE ', hit, ')');
        return this.sessionTerm(node);
      }
    }
  }

  moment(node: QueryNode, prev: Frag): Frag {
    this.count();
    switch (node.kind) {
      case 'then': {
        let at = prev;
        for (const step of node.steps) at = this.moment(step, at);
        return at;
      }
      case 'or': // the earliest of the alternatives (LEAST skips NULLs: NULL only when none holds)
        return node.items.length === 1 ? this.moment(node.items[0]!, prev) : sql('LEAST(', join(', ', node.items.map((n) => this.moment(n, prev))), ')');
      case 'and': {
        // Once every part has held: the latest of their first moments, NULL if any is (GREATEST would skip NULLs).
        if (node.items.length === 1) return this.moment(node.items[0]!, prev);
        return sql(`(SELECT CASE WHEN COUNT(m.at) = ${node.items.length} THEN MAX(m.at) END FROM (VALUES `,
          join(', ', node.items.map((n) => sql('((', this.moment(n, prev), ')::float8)'))), ') AS m (at))');
      }
      case 'not':
        return sql('(CASE WHEN ', this.session(node), ' THEN (', prev, ')::float8 END)');
      default: {
        const hit = this.hitTerm(node);
        if (!hit) return sql('(CASE WHEN ', this.sessionTerm(node), ' THEN (', prev, ')::float8 END)');
        return sql('(SELECT MIN(h.at) FROM hits h WHERE h.sid = s.sid AND h.at >= ', prev, ' AND ', hit, ')');
      }
    }
  }

  /** Hits (`h`) that are matching moments: any positive hit term of the query. FALSE when there are none. */
  hits(node: QueryNode): Frag {
    const parts = positiveTerms(node).map((t) => this.hitTerm(t)).filter((f): f is Frag => f !== undefined);
    return parts.length ? sql('(', join(' OR ', parts), ')') : FALSE;
  }

  private count(): void {
    if (++this.nodes > MAX_NODES * 8) throw new VerbatimError('BAD_REQUEST', `The query is too complex (at most ${MAX_NODES} terms)`);
  }

  private hitTerm(t: Term): Frag | undefined {
    if (t.kind === 'text') return this.textTerm(t);
    if (t.kind === 'keyword' && t.field === 'method') return frag('h.method = ?', [t.value.toUpperCase()]);
    if (t.kind === 'number' && HIT_NUMBERS[t.field]) return frag(`${HIT_NUMBERS[t.field]} ${op(t.op)} ?::float8`, [t.value]);
    return undefined;
  }

  private sessionTerm(t: Term): Frag {
    switch (t.kind) {
      case 'keyword': {
        if (t.field === 'customer') {
          const ids = this.ctx.customerSessions?.get(t.value) ?? [];
          return ids.length ? frag('s.id = ANY (?::text[])', [[...ids]]) : FALSE;
        }
        // A page load served that site version (the versions index, analytics/versions/tables.ts), by id prefix: the
        // value is 4–12 hex digits (term.ts), so a range on the version index finds every id starting so ('g' follows 'f').
        if (t.field === 'version') return frag('s.sid IN (SELECT v.sid FROM page_versions v WHERE v.version >= ?::text AND v.version < ?::text)', [t.value, `${t.value}g`]);
        const column = SESSION_KEYWORDS[t.field];
        if (!column) throw new VerbatimError('BAD_REQUEST', `Unknown field ${t.field}`);
        // lower() under the "C" collation folds ASCII letters only: SQLite's NOCASE (and its LIKE) exactly.
        if (VERSIONED_KEYWORDS.has(t.field)) {
          return frag(`(lower(${column}) = lower(?::text COLLATE "C") OR lower(${column}) LIKE lower(?::text COLLATE "C") ESCAPE '\\')`,
            [t.value, `${t.value.replace(/[\\%_]/g, '\\$&')} %`]);
        }
        return frag(`lower(${column}) = lower(?::text COLLATE "C")`, [t.value]);
      }
      case 'number': {
        const column = SESSION_NUMBERS[t.field];
        if (!column) throw new VerbatimError('BAD_REQUEST', `Unknown field ${t.field}`);
        return frag(`${column} ${op(t.op)} ?::float8`, [t.value]);
      }
      case 'time': {
        const parts: Frag[] = [];
        if (t.from !== undefined) parts.push(frag('s.started_at >= ?::float8', [t.from]));
        if (t.to !== undefined) parts.push(frag('s.started_at < ?::float8', [t.to]));
        return parts.length ? sql('(', join(' AND ', parts), ')') : TRUE;
      }
      default: throw new VerbatimError('BAD_REQUEST', `Unsupported term ${(t as Term).kind}`);
    }
  }

  private textTerm(t: Extract<Term, { kind: 'text' }>): Frag {
    const field = t.field;
    if (field === 'host') return hostTerm(t.value, t.prefix);
    if ((field === 'url' || field === 'path') && t.prefix) return this.pathPrefix(field, t.value);
    const kinds = field === null ? undefined : KINDS_OF[field];
    const tag = field === 'field' ? TAG.field : field === 'path' ? TAG.pathWord : TAG.word;
    const ws = words(t.value);
    if (!ws.length) return FALSE;
    let query: string;
    if (t.prefix && tag === TAG.word) {
      const last = ws[ws.length - 1]!;
      if (last.length < WORD_PREFIX_MIN) throw new VerbatimError('BAD_REQUEST', `A prefix needs at least ${WORD_PREFIX_MIN} letters`, { position: t.start });
      // Earlier words anywhere in the hit; the last one itself, or a longer word starting with it.
      const head = ws.slice(0, -1).map((w) => this.lexeme(TAG.word, w));
      query = [...head, `(${this.lexeme(TAG.word, last)} | ${this.lexeme(TAG.wordPrefix, last.slice(0, WORD_PREFIX_MAX))})`].join(' & ');
    } else {
      query = ws.map((w) => this.lexeme(tag, w)).join(' <-> ');
    }
    return withKinds(frag('h.doc @@ ?::tsquery', [query]), kinds);
  }

  private pathPrefix(field: 'url' | 'path', value: string): Frag {
    const { host, path } = splitUrl(value);
    const kinds = KINDS_OF[field];
    if (host !== undefined && path === undefined) return withKinds(hostTerm(host, true), kinds);
    const p = normalPath(path!).slice(0, PATH_PREFIX_MAX);
    const tag = host !== undefined ? TAG.urlPrefix : TAG.pathPrefix;
    return withKinds(frag('h.doc @@ ?::tsquery', [this.lexeme(tag, host !== undefined ? `${host}${p}` : p)]), kinds);
  }

  /** A token as a tsquery operand: hex, quoted so no character of it is read as an operator. */
  private lexeme(tag: string, word: string): string {
    return `'${this.ctx.key.token(tag, word)}'`;
  }
}

function withKinds(f: Frag, kinds: string[] | undefined): Frag {
  return kinds ? sql(frag('h.kind = ANY (?::text[]) AND ', [kinds]), f) : f;
}

/**
 * `host:bank.example` also finds `www.bank.example` and either with a port (hosts are kept as `host[:port]`);
 * `host:bank*` any host starting so. The leading wildcards are what the pg_trgm index is for.
 */
function hostTerm(value: string, prefix: boolean): Frag {
  const v = value.toLowerCase();
  const like = v.replace(/[\\%_]/g, (c) => `\\${c}`);
  if (prefix) return frag("h.host LIKE ? ESCAPE '\\'", [`${like}%`]);
  return frag("(h.host = ? OR h.host LIKE ? ESCAPE '\\' OR h.host LIKE ? ESCAPE '\\' OR h.host LIKE ? ESCAPE '\\')",
    [v, `%.${like}`, `${like}:%`, `%.${like}:%`]);
}

function op(o: string): string {
  if (!OPS.has(o)) throw new VerbatimError('BAD_REQUEST', `Unknown comparison ${o}`);
  return o;
}
