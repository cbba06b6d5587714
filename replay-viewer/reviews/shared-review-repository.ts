/**
 * Reviews in the store's shared state (store/shared-state.ts), for viewer instances sharing a PostgreSQL store: a
 * review saved on one instance is listed on every other and run by whichever holds the `review-schedule` lead.
 *   review-searches            document: the saved searches (with each schedule's next period), compare-and-swap
 *   review-run.<h>             document per run: the signed result set's exact text, created once, never changed
 *   review-runs                log: one summary per kept run, in the order they were kept
 *   review-marks.<h>           log per run: its marks, every one kept (the history)
 * `<h>`: the run id's SHA-256 (run ids allow upper case and 100 characters; shared names do not).
 * A run's document is written before its summary: a crash between leaves it unlisted, never a listed run without
 * its result.
 */
import { createHash } from 'node:crypto';
import { VerbatimError } from '../../store/errors';
import { updateDocument, type SharedState } from '../../store/shared-state';
import { checkedRunId, isRunId, keptRun, listedRuns, summaryOf } from './kept-runs';
import type { ReviewRepository } from './review-repository';
import type { Mark, RunSummary, SavedSearch, SignedReviewResult } from './types';

const SEARCHES = 'review-searches';
const RUNS = 'review-runs';
const PAGE = 100_000;
const hashed = (id: string): string => createHash('sha256').update(id).digest('hex').slice(0, 40);
const runDocument = (id: string): string => `review-run.${hashed(id)}`;
const marksLog = (id: string): string => `review-marks.${hashed(id)}`;

export class SharedReviewRepository implements ReviewRepository {
  constructor(private readonly state: SharedState) {}

  async listSearches(): Promise<SavedSearch[]> {
    return searchesOf((await this.state.getDocument(SEARCHES))?.value);
  }

  async getSearch(id: string): Promise<SavedSearch | undefined> {
    return (await this.listSearches()).find((s) => s.id === id);
  }

  async putSearch(search: SavedSearch): Promise<void> {
    await updateDocument(this.state, SEARCHES, (current) => ({
      value: [...searchesOf(current).filter((s) => s.id !== search.id), { ...search }], result: undefined,
    }));
  }

  async deleteSearch(id: string): Promise<boolean> {
    return (await updateDocument(this.state, SEARCHES, (current) => {
      const all = searchesOf(current);
      const next = all.filter((s) => s.id !== id);
      return next.length === all.length ? { unchanged: true, result: false } : { value: next, result: true };
    })).result;
  }

  async putRun(run: SignedReviewResult): Promise<boolean> {
    const id = checkedRunId(run.result.runId);
    try {
      await this.state.putDocument(runDocument(id), JSON.stringify(run), undefined);
    } catch (err) {
      if (err instanceof VerbatimError && err.code === 'VERSION_STALE') return false; // kept already
      throw err;
    }
    await this.state.appendLog(RUNS, () => JSON.stringify(summaryOf(run)));
    return true;
  }

  async getRun(id: string): Promise<{ text: string; run: SignedReviewResult } | undefined> {
    if (!isRunId(id)) return undefined;
    const doc = await this.state.getDocument(runDocument(id));
    if (doc === undefined) return undefined;
    if (typeof doc.value !== 'string') throw new VerbatimError('STORE_CORRUPT', 'A kept review result is not text', { runId: id });
    return keptRun(id, doc.value);
  }

  async listRuns(savedSearchId?: string): Promise<RunSummary[]> {
    return listedRuns((await this.readAll(RUNS)).map((e) => JSON.parse(e) as RunSummary), savedSearchId);
  }

  async addMark(runId: string, mark: Mark): Promise<void> {
    await this.state.appendLog(marksLog(checkedRunId(runId)), () => JSON.stringify(mark));
  }

  async marks(runId: string): Promise<Mark[]> {
    return (await this.readAll(marksLog(checkedRunId(runId)))).map((e) => JSON.parse(e) as Mark);
  }

  private async readAll(log: string): Promise<string[]> {
    const out: string[] = [];
    for (let from = 1; ;) {
      const page = await this.state.readLog(log, from, PAGE);
      out.push(...page.map((e) => e.entry));
      if (page.length < PAGE) return out;
      from = page[page.length - 1]!.seq + 1;
    }
  }
}

function searchesOf(value: unknown): SavedSearch[] {
  return Array.isArray(value) ? (value as SavedSearch[]).map((s) => ({ ...s })) : [];
}
