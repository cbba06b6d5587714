/**
 * `verbatim migrate --to postgres://…` also copies what the data directory kept beside the store: viewer accounts,
 * kiosk terminals, proxy clients (documents) and the audit trail (a log), from the embedded store's files into the
 * PostgreSQL store's shared state. Entries are copied as they are, at the same seqs, so the audit chain verifies
 * there unchanged. Re-running continues an interrupted copy; a document the target already has is left alone (an
 * instance of the new store may have changed it) and reported.
 */
import { VerbatimError } from '../store/errors';
import { FileSharedState } from '../store/files/file-shared-state';
import type { SharedState } from '../store/shared-state';

/** What the data directory holds that every instance must share (the names the viewer and collector use). */
export const SHARED_DOCUMENTS = ['viewer-accounts', 'terminals', 'proxy-clients'] as const;
export const SHARED_LOGS = ['audit'] as const;
const PAGE = 1_000;

export interface SharedStateCopy {
  documents: string[];
  /** Documents the target had already: not overwritten. */
  kept: string[];
  logEntries: number;
}

export async function copySharedState(fromDir: string, target: SharedState): Promise<SharedStateCopy> {
  const source = new FileSharedState(fromDir);
  const out: SharedStateCopy = { documents: [], kept: [], logEntries: 0 };
  for (const name of SHARED_DOCUMENTS) {
    const doc = await source.getDocument(name);
    if (!doc) continue;
    if (await target.getDocument(name)) out.kept.push(name);
    else {
      await target.putDocument(name, doc.value, undefined);
      out.documents.push(name);
    }
  }
  for (const name of SHARED_LOGS) {
    // Where an interrupted run stopped: the target's last entry must be the source's at that seq.
    let next = 1;
    for (let page = await target.readLog(name, 1, PAGE); page.length; page = await target.readLog(name, next, PAGE)) next = page[page.length - 1]!.seq + 1;
    if (next > 1) {
      const [mine] = await source.readLog(name, next - 1, 1);
      const [theirs] = await target.readLog(name, next - 1, 1);
      if (mine?.entry !== theirs?.entry) {
        throw new VerbatimError('MIGRATION_TARGET_NOT_EMPTY', `the target's ${name} log is not this data directory's`, { log: name, seq: next - 1 });
      }
    }
    for (let page = await source.readLog(name, next, PAGE); page.length; page = await source.readLog(name, next, PAGE)) {
      for (const e of page) {
        await target.appendLog(name, (seq) => {
          if (seq !== e.seq) throw new VerbatimError('MIGRATION_TARGET_NOT_EMPTY', `another writer appended to the target's ${name} log during the copy`, { log: name, seq });
          return e.entry;
        });
        out.logEntries++;
      }
      next = page[page.length - 1]!.seq + 1;
    }
  }
  return out;
}
