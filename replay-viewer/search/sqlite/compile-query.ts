/**
 * A query's syntax tree (../query/ast.ts) as SQL over the SQLite index (schema.ts): `s` is the sessions row, `h` a
 * hits row. Three views of every node:
 * - session(): does the session match (the WHERE of a search);
 * - moment(prev): the session's first matching moment at or after `prev` (NULL: none), which chains `then` steps;
 * - hits(): the hits that count as matching moments (positive text/hit terms; NOT contributes none).
 * Text terms go through FTS5 on keyed token hashes; everything else through plain columns.
 */
import { VerbatimError } from '../../../store/errors';
import type { QueryNode, Term } from '../query/ast';
import type { IndexKey } from '../index-key';
import { normalPath, PATH_PREFIX_MAX, splitUrl, WORD_PREFIX_MAX, WORD_PREFIX_MIN, words } from '../tokens';
import { FALSE, TRUE, frag, join, sql, type Frag } from './sql-fragment';
import { TAG } from './schema';
import { KINDS_OF, positiveTerms, snippetWords } from '../query-terms';

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
const NO_MOMENT = 9e15;
export type FtsMode = 'set' | 'probe';

export interface CompileContext {
  key: IndexKey;
  customerSessions?: ReadonlyMap<string, readonly string[]>;
  /**
   * The recorded hosts a `host:` value stands for (exact, subdomains, with a port; or by prefix), from the index's
   * small host table: so the hits are found through their host index, not a LIKE over every hit. Undefined when
   * too many hosts match to list (then the LIKE runs).
   */
  hostsMatching?(value: string, prefix: boolean): string[] | undefined;
  /**
   * Whether one known session is asked about (matches): hit terms are then checked within that session's hits
   * (EXISTS), instead of gathering every matching session of the index first.
   */
  oneSession?: boolean;
}

export class QueryCompiler {
  private nodes = 0;
  /** FTS matches run once per statement, as MATERIALIZED CTEs (match → name): see ftsWithKinds. */
  private readonly matchSets = new Map<string, string>();
  constructor(private readonly ctx: CompileContext) {}

  /**
   * A statement over this compiler's fragments, with the CTEs they name. Call after compiling its parts (compiling
   * registers the CTEs); an unreferenced CTE costs nothing.
   */
  statement(q: Frag): Frag {
    if (!this.matchSets.size) return q;
    const ctes = [...this.matchSets].map(([match, name]) => frag(`${name} AS MATERIALIZED (SELECT rowid AS r FROM hit_fts WHERE hit_fts MATCH ?)`, [match]));
    return sql('WITH ', join(', ', ctes), ' ', q);
  }

  /** Whether the session (`s`) matches. */
  session(node: QueryNode): Frag {
    this.count();
    switch (node.kind) {
      // An empty AND is the empty query: every session.
      case 'and': return node.items.length ? sql('(', join(' AND ', node.items.map((n) => this.session(n))), ')') : TRUE;
      case 'or': return node.items.length ? sql('(', join(' OR ', node.items.map((n) => this.session(n))), ')') : FALSE;
      // IS NOT 1, not NOT: a session without the field (NULL) is not "field:value" either, and NOT NULL is NULL.
      case 'not': return sql('((', this.session(node.item), ') IS NOT 1)');
      // Every step somewhere in the session first (cheap, whole-index), then their order (per candidate session).
      case 'then': return sql('(', join(' AND ', node.steps.map((n) => this.session(n))), ' AND (', this.moment(node, frag('-1')), ') IS NOT NULL)');
      default: {
        if (this.ctx.oneSession) {
          // The match set is the same CTE the moments use, so each FTS match runs once for the whole statement.
          const inSession = this.hitTerm(node, 'set');
          if (inSession) return sql('EXISTS (SELECT 1 FROM hits h WHERE h.sid = s.sid AND ', inSession, ')');
        }
        const hit = this.hitTerm(node, 'set');
        // Not correlated: SQLite runs it once per statement and probes the result, instead of once per session.
        if (hit) return sql('s.sid IN (SELECT h.sid FROM hits h WHERE ', hit, ')');
        return this.sessionTerm(node);
      }
    }
  }

  /** The first moment at or after `prev` where the node holds (NULL when it never does). */
  moment(node: QueryNode, prev: Frag): Frag {
    this.count();
    switch (node.kind) {
      case 'then': {
        let at = prev;
        for (const step of node.steps) at = this.moment(step, at);
        return at;
      }
      case 'or': // the earliest of the alternatives
        if (node.items.length === 1) return this.moment(node.items[0]!, prev);
        return sql('NULLIF(MIN(', join(', ', node.items.map((n) => sql('COALESCE(', this.moment(n, prev), `, ${NO_MOMENT})`))), `), ${NO_MOMENT})`);
      case 'and': // once every part has held: the latest of their first moments (any NULL makes it NULL)
        return node.items.length === 1 ? this.moment(node.items[0]!, prev) : sql('MAX(', join(', ', node.items.map((n) => this.moment(n, prev))), ')');
      case 'not':
        return sql('(CASE WHEN ', this.session(node), ' THEN ', prev, ' END)');
      default: {
        const hit = this.hitTerm(node, 'set');
        if (!hit) return sql('(CASE WHEN ', this.sessionTerm(node), ' THEN ', prev, ' END)');
        return sql('(SELECT MIN(h.at) FROM hits h WHERE h.sid = s.sid AND h.at >= ', prev, ' AND ', hit, ')');
      }
    }
  }

  /**
   * Hits (`h`) that are matching moments: any positive hit term of the query. FALSE when there are none. `probe`
   * needs the session as `s` in scope; `set` does not (many sessions at once).
   */
  hits(node: QueryNode, mode: FtsMode = 'probe'): Frag {
    const parts = positiveTerms(node).map((t) => this.hitTerm(t, mode)).filter((f): f is Frag => f !== undefined);
    return parts.length ? sql('(', join(' OR ', parts), ')') : FALSE;
  }

  /** Plain words of the query's positive text terms (where a snippet is cut). */
  static snippetWords(node: QueryNode): string[] {
    return snippetWords(node);
  }

  private count(): void {
    if (++this.nodes > MAX_NODES * 8) throw new VerbatimError('BAD_REQUEST', `The query is too complex (at most ${MAX_NODES} terms)`);
  }

  /**
   * A term that is about hits (text, method, status, took, host): its condition on `h`; undefined otherwise. `set`
   * for a whole-index pass (the FTS match runs once, its rowids probed), `probe` for the hits of one session `s`
   * (the match limited to the session's rowid range, so it is not run whole for every session).
   */
  private hitTerm(t: Term, mode: FtsMode): Frag | undefined {
    if (t.kind === 'text') return this.textTerm(t, mode);
    if (t.kind === 'keyword' && t.field === 'method') return frag('h.method = ?', [t.value.toUpperCase()]);
    if (t.kind === 'number' && HIT_NUMBERS[t.field]) return frag(`${HIT_NUMBERS[t.field]} ${op(t.op)} ?`, [t.value]);
    return undefined;
  }

  private sessionTerm(t: Term): Frag {
    switch (t.kind) {
      case 'keyword': {
        if (t.field === 'customer') {
          const ids = this.ctx.customerSessions?.get(t.value) ?? [];
          return ids.length ? frag(`s.id IN (${ids.map(() => '?').join(', ')})`, [...ids]) : FALSE;
        }
        // A page load served that site version (the versions index, analytics/versions/tables.ts), by id prefix.
        // The value is 4–12 hex digits (term.ts): a range on the version index, every id starting so ('g' follows 'f').
        if (t.field === 'version') return frag('s.sid IN (SELECT v.sid FROM page_versions v WHERE v.version >= ? AND v.version < ?)', [t.value, `${t.value}g`]);
        const column = SESSION_KEYWORDS[t.field];
        if (!column) throw new VerbatimError('BAD_REQUEST', `Unknown field ${t.field}`);
        if (VERSIONED_KEYWORDS.has(t.field)) {
          return frag(`(${column} = ? COLLATE NOCASE OR ${column} LIKE ? ESCAPE '\\')`, [t.value, `${t.value.replace(/[\\%_]/g, '\\$&')} %`]);
        }
        return frag(`${column} = ? COLLATE NOCASE`, [t.value]);
      }
      case 'number': {
        const column = SESSION_NUMBERS[t.field];
        if (!column) throw new VerbatimError('BAD_REQUEST', `Unknown field ${t.field}`);
        return frag(`${column} ${op(t.op)} ?`, [t.value]);
      }
      case 'time': {
        const parts: Frag[] = [];
        if (t.from !== undefined) parts.push(frag('s.started_at >= ?', [t.from]));
        if (t.to !== undefined) parts.push(frag('s.started_at < ?', [t.to]));
        return parts.length ? sql('(', join(' AND ', parts), ')') : TRUE;
      }
      default: throw new VerbatimError('BAD_REQUEST', `Unsupported term ${(t as Term).kind}`);
    }
  }

  private textTerm(t: Extract<Term, { kind: 'text' }>, mode: FtsMode): Frag {
    const field = t.field;
    if (field === 'host') return this.hostTerm(t.value, t.prefix);
    if ((field === 'url' || field === 'path') && t.prefix) return this.pathPrefix(field, t.value, mode);
    const kinds = field === null ? undefined : KINDS_OF[field];
    const column = field === 'field' ? 'field' : field === 'path' ? 'loc' : 'words';
    const tag = field === 'field' ? TAG.field : field === 'path' ? TAG.pathWord : TAG.word;
    const ws = words(t.value);
    if (!ws.length) return FALSE;
    let match: string;
    if (t.prefix && column === 'words') {
      const last = ws[ws.length - 1]!;
      if (last.length < WORD_PREFIX_MIN) throw new VerbatimError('BAD_REQUEST', `A prefix needs at least ${WORD_PREFIX_MIN} letters`, { position: t.start });
      const head = ws.slice(0, -1).map((w) => `words : ${this.phrase(TAG.word, [w])}`);
      // The word itself, or a longer one starting with it (prefixes are indexed up to WORD_PREFIX_MAX letters).
      const tail = `(words : ${this.phrase(TAG.word, [last])} OR wprefix : ${this.phrase(TAG.wordPrefix, [last.slice(0, WORD_PREFIX_MAX)])})`;
      match = [...head, tail].join(' AND ');
    } else {
      match = `${column} : ${this.phrase(tag, ws)}`;
    }
    return this.ftsWithKinds(match, kinds, mode);
  }

  /** `url:/pay*`, `url:bank.example/pay*`, `path:/pay*`: indexed path prefixes (cut at PATH_PREFIX_MAX characters). */
  private pathPrefix(field: 'url' | 'path', value: string, mode: FtsMode): Frag {
    const { host, path } = splitUrl(value);
    const kinds = KINDS_OF[field === 'url' ? 'url' : 'path'];
    if (host !== undefined && path === undefined) {
      // `url:bank*`: a host prefix.
      return sql(this.hostTerm(host, true), frag(` AND h.kind IN (${kinds!.map(() => '?').join(', ')})`, kinds));
    }
    const p = normalPath(path!).slice(0, PATH_PREFIX_MAX);
    const tag = host !== undefined ? TAG.urlPrefix : TAG.pathPrefix;
    const token = this.ctx.key.token(tag, host !== undefined ? `${host}${p}` : p);
    return this.ftsWithKinds(`loc : "${token}"`, kinds, mode);
  }

  private hostTerm(value: string, prefix: boolean): Frag {
    const hosts = this.ctx.hostsMatching?.(value, prefix);
    if (!hosts) return hostLike(value, prefix);
    return hosts.length ? frag(`h.host IN (${hosts.map(() => '?').join(', ')})`, hosts) : FALSE;
  }

  private phrase(tag: string, ws: string[]): string {
    return `"${ws.map((w) => this.ctx.key.token(tag, w)).join(' ')}"`;
  }

  private matchSet(match: string): string {
    let name = this.matchSets.get(match);
    if (!name) this.matchSets.set(match, (name = `fts${this.matchSets.size}`));
    return name;
  }

  private ftsWithKinds(match: string, kinds: string[] | undefined, mode: FtsMode): Frag {
    // `set`: a CTE, not an inline IN (SELECT … MATCH): SQLite re-runs an inline one inside every correlated
    // subquery that holds it (a then-step's moment, per candidate session), a whole-index FTS scan each time.
    const fts = mode === 'set'
      ? frag(`h.hid IN (SELECT r FROM ${this.matchSet(match)})`)
      // Only the session's stretch of rowids: FTS5 seeks to it rather than reading the whole match (s is in scope).
      : frag(`h.hid IN (SELECT rowid FROM hit_fts WHERE hit_fts MATCH ? AND rowid >= (SELECT MIN(hid) FROM hits WHERE sid = s.sid)
          AND rowid <= (SELECT MAX(hid) FROM hits WHERE sid = s.sid))`, [match]);
    if (!kinds) return fts;
    return sql(`h.kind IN (${kinds.map(() => '?').join(', ')}) AND `, frag('', kinds), fts);
  }
}

/**
 * `host:bank.example` also finds `www.bank.example` and either with a port (hosts are kept as `host[:port]`);
 * `host:bank*` any host starting so.
 */
export function hostLike(value: string, prefix: boolean, column = 'h.host'): Frag {
  const v = value.toLowerCase();
  const like = v.replace(/[\\%_]/g, (c) => `\\${c}`);
  if (prefix) return frag(`${column} LIKE ? ESCAPE '\\'`, [`${like}%`]);
  return frag(`(${column} = ? OR ${column} LIKE ? ESCAPE '\\' OR ${column} LIKE ? ESCAPE '\\' OR ${column} LIKE ? ESCAPE '\\')`,
    [v, `%.${like}`, `${like}:%`, `%.${like}:%`]);
}

function op(o: string): string {
  if (!OPS.has(o)) throw new VerbatimError('BAD_REQUEST', `Unknown comparison ${o}`);
  return o;
}
