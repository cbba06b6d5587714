/**
 * What every ReviewRepository does the same way with a kept run, whatever it keeps runs in (files, shared state):
 * the run id's form, the summary listed for a run, the listing order and reading a kept result's text back.
 */
import { VerbatimError } from '../../store/errors';
import type { RunSummary, SignedReviewResult } from './types';

/** A run id: also a file name and a log name's source, so nothing that could climb out of a folder. */
const RUN_ID = /^[A-Za-z0-9_-]{1,100}$/;

export const isRunId = (id: string): boolean => RUN_ID.test(id);

/** The id, or BAD_REQUEST before anything is read or written under it. */
export function checkedRunId(id: string): string {
  if (!isRunId(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed review run id');
  return id;
}

/** A run as listed: the result without its rows (and their format), which only the run's own file keeps. */
export function summaryOf(run: SignedReviewResult): RunSummary {
  const { rows: _rows, format: _format, ...summary } = run.result;
  return summary;
}

/** Newest first (ties by run id, descending); all runs, or one saved search's. */
export function listedRuns(runs: readonly RunSummary[], savedSearchId?: string): RunSummary[] {
  return runs.filter((r) => !savedSearchId || r.savedSearch.id === savedSearchId)
    .sort((a, b) => b.ranAt - a.ranAt || (a.runId < b.runId ? 1 : -1));
}

/** A kept result's exact text with its parsed form; STORE_CORRUPT when the text is not JSON. */
export function keptRun(runId: string, text: string): { text: string; run: SignedReviewResult } {
  try {
    return { text, run: JSON.parse(text) as SignedReviewResult };
  } catch (err) {
    throw new VerbatimError('STORE_CORRUPT', 'A kept review result is not JSON', { runId }, { cause: err });
  }
}
