/**
 * What reviews do, for the API (review-routes.ts) and the scheduler (review-scheduler.ts) alike: keep saved searches
 * (their queries validated by the search parser), run one over a period into a signed result set, and record the
 * reviewers' marks. Reads the search index only; keeps everything in the ReviewRepository.
 */
import { randomBytes } from 'node:crypto';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import type { SigningKey } from '../../store/integrity/index';
import { isQueryError, parseQuery, type QueryNode } from '../search/query/index';
import { customerSessionsOf } from '../search/search-routes';
import { MAX_SEARCH_LIMIT, type SearchIndex } from '../search/search-index';
import { previousPeriod } from './period';
import { signResult, verifyResult } from './result-signature';
import type { ReviewRepository } from './review-repository';
import {
  MARK_STATUSES, RESULT_FORMAT, SCHEDULES, type Mark, type MarkStatus, type Period, type ResultRow, type ReviewResult,
  type RunView, type SavedSearch, type Schedule, type SignedReviewResult,
} from './types';

/** A result set holds at most this many sessions; beyond it the run says `truncated`. */
export const MAX_RESULT_ROWS = 10_000;
export const MAX_NOTE_LENGTH = 2_000;
export const MAX_NAME_LENGTH = 120;
/** A period longer than this is refused (a typo in a year would otherwise scan everything). */
export const MAX_PERIOD_MS = 400 * 86_400_000;
const EVERYTHING: QueryNode = { kind: 'and', items: [], start: 0, end: 0 };

export interface ReviewServiceOptions {
  repo: ReviewRepository;
  index: SearchIndex;
  store: VerbatimStore;
  signingKey: SigningKey;
  /** The project's masker (proxy/masking, injected by the CLI): notes are kept masked; queries it would mask are refused. */
  mask: (text: string) => string;
  now?: () => number;
  maxRows?: number;
}

export interface SearchInput { name?: unknown; query?: unknown; schedule?: unknown }

export class ReviewService {
  private readonly now: () => number;
  private readonly maxRows: number;

  constructor(private readonly o: ReviewServiceOptions) {
    this.now = o.now ?? Date.now;
    this.maxRows = o.maxRows ?? MAX_RESULT_ROWS;
  }

  get repo(): ReviewRepository {
    return this.o.repo;
  }

  async createSearch(input: SearchInput, owner: string): Promise<SavedSearch> {
    const now = this.now();
    const schedule = scheduleOf(input.schedule ?? 'none');
    const search: SavedSearch = {
      id: `ss-${randomBytes(6).toString('hex')}`, name: nameOf(input.name), query: this.queryOf(input.query), schedule,
      owner, createdAt: now, updatedAt: now,
      ...(schedule !== 'none' ? { scheduleNext: previousPeriod(schedule, now).from } : {}),
    };
    await this.o.repo.putSearch(search);
    return search;
  }

  async updateSearch(id: string, input: SearchInput): Promise<SavedSearch> {
    const old = await this.existing(id);
    const schedule = input.schedule === undefined ? old.schedule : scheduleOf(input.schedule);
    const next: SavedSearch = {
      ...old,
      name: input.name === undefined ? old.name : nameOf(input.name),
      query: input.query === undefined ? old.query : this.queryOf(input.query),
      schedule, updatedAt: this.now(),
    };
    // A schedule that changes starts again from the last whole period; one that stays keeps its place.
    if (schedule === 'none') delete next.scheduleNext;
    else if (schedule !== old.schedule) next.scheduleNext = previousPeriod(schedule, this.now()).from;
    await this.o.repo.putSearch(next);
    return next;
  }

  async deleteSearch(id: string): Promise<void> {
    if (!(await this.o.repo.deleteSearch(id))) throw new VerbatimError('NOT_FOUND', 'No such saved search');
  }

  async existing(id: string): Promise<SavedSearch> {
    const s = await this.o.repo.getSearch(id);
    if (!s) throw new VerbatimError('NOT_FOUND', 'No such saved search');
    return s;
  }

  /**
   * Runs a saved search over [from, to): every matching session, paged through the index with its cursor, up to
   * maxRows. Kept (signed) before it is returned. A scheduled run passes its own id, so a retry after a crash finds
   * the run already kept instead of making a second one.
   */
  async run(search: SavedSearch, period: Period, ranBy: string, trigger: ReviewResult['trigger'], runId?: string): Promise<{ run: SignedReviewResult; created: boolean }> {
    checkPeriod(period);
    const id = runId ?? `r-${this.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    if (runId) {
      const kept = await this.o.repo.getRun(runId);
      if (kept) return { run: kept.run, created: false };
    }
    const parsed = search.query.trim() ? parseQuery(search.query, { now: period.to }) : EVERYTHING;
    const node: QueryNode = { kind: 'and', items: [parsed, { kind: 'time', field: 'after', from: period.from, to: period.to, start: 0, end: 0 }], start: 0, end: 0 };
    const customerSessions = await customerSessionsOf(node, this.o.store);
    const indexCursor = await this.o.index.cursor();
    const rows: ResultRow[] = [];
    let cursor: string | undefined;
    let truncated = false;
    for (;;) {
      const page = await this.o.index.search(node, { limit: Math.min(MAX_SEARCH_LIMIT, this.maxRows - rows.length + 1), cursor, customerSessions });
      for (const r of page.results) {
        if (rows.length === this.maxRows) {
          truncated = true;
          break;
        }
        const link = new URLSearchParams();
        if (r.firstMatch) link.set('at', String(r.firstMatch.at));
        if (search.query.trim()) link.set('q', search.query);
        const qs = link.toString();
        rows.push({
          sessionId: r.session.id, startedAt: r.session.startedAt, channel: r.session.channel, customerLinked: r.session.customerLinked,
          firstMatchAt: r.firstMatch?.at ?? null, matchCount: r.matchCount, replay: `/sessions/${encodeURIComponent(r.session.id)}${qs ? `?${qs}` : ''}`,
        });
      }
      if (truncated || !page.next) break;
      cursor = page.next;
    }
    const result: ReviewResult = {
      format: RESULT_FORMAT, runId: id, savedSearch: { id: search.id, name: search.name, query: search.query },
      period: { from: period.from, to: period.to }, ranAt: this.now(), ranBy, trigger, indexCursor,
      count: rows.length, truncated, rows,
    };
    const signed = signResult(result, this.o.signingKey);
    const created = await this.o.repo.putRun(signed);
    return { run: created ? signed : (await this.o.repo.getRun(id))!.run, created };
  }

  async mark(runId: string, input: { sessionId?: unknown; status?: unknown; note?: unknown }, by: string): Promise<Mark> {
    const kept = await this.o.repo.getRun(runId);
    if (!kept) throw new VerbatimError('NOT_FOUND', 'No such review run');
    if (typeof input.sessionId !== 'string' || !kept.run.result.rows.some((r) => r.sessionId === input.sessionId)) {
      throw new VerbatimError('BAD_REQUEST', 'sessionId must name a session of this run');
    }
    if (typeof input.status !== 'string' || !(MARK_STATUSES as readonly string[]).includes(input.status)) {
      throw new VerbatimError('BAD_REQUEST', `status must be one of ${MARK_STATUSES.join(', ')}`);
    }
    const note = input.note === undefined ? '' : input.note;
    if (typeof note !== 'string' || note.length > MAX_NOTE_LENGTH) throw new VerbatimError('BAD_REQUEST', `note must be text of at most ${MAX_NOTE_LENGTH} characters`);
    // Masked before it is kept: a card number typed into a note never reaches the disk.
    const mark: Mark = { sessionId: input.sessionId, status: input.status as MarkStatus, note: this.o.mask(note.trim()), by, at: this.now() };
    await this.o.repo.addMark(runId, mark);
    return mark;
  }

  async view(runId: string): Promise<{ view: RunView; text: string }> {
    const kept = await this.o.repo.getRun(runId);
    if (!kept) throw new VerbatimError('NOT_FOUND', 'No such review run');
    const marks: RunView['marks'] = {};
    for (const m of await this.o.repo.marks(runId)) {
      const entry = marks[m.sessionId];
      if (entry) {
        entry.history.push(entry.current);
        entry.current = m;
      } else marks[m.sessionId] = { current: m, history: [] };
    }
    const progress = { reviewed: 0, flagged: 0, open: 0 };
    for (const r of kept.run.result.rows) progress[marks[r.sessionId]?.current.status ?? 'open'] += 1;
    const check = verifyResult(kept.text, undefined);
    return { text: kept.text, view: { result: kept.run.result, marks, progress, signature: { ok: check.ok, reason: check.reason, keyId: check.keyId } } };
  }

  /** The query text as kept: it must parse, and hold nothing the masking policy masks (recordings hold that masked). */
  private queryOf(raw: unknown): string {
    if (typeof raw !== 'string') throw new VerbatimError('BAD_REQUEST', 'query must be text');
    const query = raw.trim();
    try {
      if (query) parseQuery(query, { now: this.now() });
    } catch (err) {
      if (isQueryError(err)) throw new VerbatimError('QUERY_INVALID', err.message, { position: err.position });
      throw err;
    }
    const masked = this.o.mask(query);
    if (masked !== query) {
      let at = 0;
      while (at < query.length && query[at] === masked[at]) at++;
      throw new VerbatimError('QUERY_INVALID', 'the query holds a value the masking policy masks (a card number, an IBAN…): recordings keep it masked, so it cannot match and is not kept', { position: at });
    }
    return query;
  }
}

function nameOf(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  // eslint-disable-next-line no-control-regex
  if (!name || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new VerbatimError('BAD_REQUEST', `name must be 1 to ${MAX_NAME_LENGTH} characters of text on one line`);
  }
  return name;
}

function scheduleOf(raw: unknown): Schedule {
  if (typeof raw !== 'string' || !(SCHEDULES as readonly string[]).includes(raw)) throw new VerbatimError('BAD_REQUEST', `schedule must be one of ${SCHEDULES.join(', ')}`);
  return raw as Schedule;
}

export function checkPeriod(p: Period): void {
  if (!Number.isSafeInteger(p.from) || !Number.isSafeInteger(p.to) || p.from < 0 || p.to <= p.from) {
    throw new VerbatimError('BAD_REQUEST', 'The period must have a start before its end');
  }
  if (p.to - p.from > MAX_PERIOD_MS) throw new VerbatimError('BAD_REQUEST', 'The period may be at most 400 days');
}
