/**
 * Reviews in <data>/reviews/ (directories 0700, files 0600):
 *   searches.json         the saved searches (with each schedule's next period)
 *   runs/<run id>.json    one signed result set each, written once and never changed
 *   runs.json             the runs' summaries (rebuilt from runs/ at open if a crash left a run unlisted)
 *   marks/<run id>.json   a run's marks, every one kept (the history)
 * Every write is a whole-file atomic replace (atomic-file.ts), serialised in this process; one Verbatim owns a data
 * directory, so no other process writes here.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { readIfExists, writeFileAtomic } from './atomic-file';
import { checkedRunId, isRunId, keptRun, listedRuns, summaryOf } from './kept-runs';
import type { ReviewRepository } from './review-repository';
import type { Mark, RunSummary, SavedSearch, SignedReviewResult } from './types';

export const REVIEWS_DIR = 'reviews';

export class FileReviewRepository implements ReviewRepository {
  private chain: Promise<unknown> = Promise.resolve();
  private searches: SavedSearch[] = [];
  private runs: RunSummary[] = [];

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<FileReviewRepository> {
    const repo = new FileReviewRepository(dir);
    for (const d of [dir, path.join(dir, 'runs'), path.join(dir, 'marks')]) await mkdir(d, { recursive: true, mode: 0o700 });
    repo.searches = JSON.parse((await readIfExists(path.join(dir, 'searches.json'))) ?? '[]') as SavedSearch[];
    repo.runs = JSON.parse((await readIfExists(path.join(dir, 'runs.json'))) ?? '[]') as RunSummary[];
    // A crash between a run's file and the list leaves the run unlisted: list it now.
    const listed = new Set(repo.runs.map((r) => r.runId));
    let added = false;
    for (const name of await readdir(path.join(dir, 'runs'))) {
      const id = name.endsWith('.json') ? name.slice(0, -5) : '';
      if (!isRunId(id) || listed.has(id)) continue;
      const kept = await repo.getRun(id);
      if (kept) {
        repo.runs.push(summaryOf(kept.run));
        added = true;
      }
    }
    if (added) await repo.saveRuns();
    return repo;
  }

  async listSearches(): Promise<SavedSearch[]> {
    return this.searches.map((s) => ({ ...s }));
  }

  async getSearch(id: string): Promise<SavedSearch | undefined> {
    const s = this.searches.find((x) => x.id === id);
    return s && { ...s };
  }

  putSearch(search: SavedSearch): Promise<void> {
    return this.serial(async () => {
      const next = this.searches.filter((s) => s.id !== search.id);
      next.push({ ...search });
      await writeFileAtomic(path.join(this.dir, 'searches.json'), JSON.stringify(next, null, 1));
      this.searches = next;
    });
  }

  deleteSearch(id: string): Promise<boolean> {
    return this.serial(async () => {
      const next = this.searches.filter((s) => s.id !== id);
      if (next.length === this.searches.length) return false;
      await writeFileAtomic(path.join(this.dir, 'searches.json'), JSON.stringify(next, null, 1));
      this.searches = next;
      return true;
    });
  }

  putRun(run: SignedReviewResult): Promise<boolean> {
    const id = checkedRunId(run.result.runId);
    return this.serial(async () => {
      if (this.runs.some((r) => r.runId === id) || (await readIfExists(this.runFile(id))) !== undefined) return false;
      await writeFileAtomic(this.runFile(id), JSON.stringify(run));
      this.runs.push(summaryOf(run));
      await this.saveRuns();
      return true;
    });
  }

  async getRun(id: string): Promise<{ text: string; run: SignedReviewResult } | undefined> {
    if (!isRunId(id)) return undefined;
    const text = await readIfExists(this.runFile(id));
    return text === undefined ? undefined : keptRun(id, text);
  }

  async listRuns(savedSearchId?: string): Promise<RunSummary[]> {
    return listedRuns(this.runs, savedSearchId);
  }

  addMark(runId: string, mark: Mark): Promise<void> {
    const id = checkedRunId(runId);
    return this.serial(async () => {
      const marks = await this.marks(id);
      marks.push(mark);
      await writeFileAtomic(path.join(this.dir, 'marks', `${id}.json`), JSON.stringify(marks));
    });
  }

  async marks(runId: string): Promise<Mark[]> {
    const text = await readIfExists(path.join(this.dir, 'marks', `${checkedRunId(runId)}.json`));
    return text ? (JSON.parse(text) as Mark[]) : [];
  }

  private runFile(id: string): string {
    return path.join(this.dir, 'runs', `${id}.json`);
  }

  private saveRuns(): Promise<void> {
    return writeFileAtomic(path.join(this.dir, 'runs.json'), JSON.stringify(this.runs));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.catch(() => undefined).then(work);
    this.chain = result;
    return result;
  }
}
