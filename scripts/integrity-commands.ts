/**
 * `verbatim verify` and `verbatim export`: the CLI side of store/integrity/.
 * Both read the store directly, so run them while Verbatim is stopped (LevelDB
 * admits one process at a time).
 */
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { verifyAudit, type VerifyProgress, type VerifyReport } from '../store/integrity/verify';
import type { RetentionPolicy, Tombstone } from '../store/records';
import type { EvidenceReport } from '../store/integrity/evidence-verify';
import type { VerbatimStore } from '../store/store';
import { startLeaderJob, type LeaderJob } from '../store/leader-job';
import { soleLeadership } from '../store/leadership';
import { isVerbatimError } from '../store/errors';
import { describeRetention, type VerbatimConfig } from './config';
import { startProgress } from './progress';
import { openConfiguredStore, storeDirOf, storeLabel } from './store-open';

export const INTEGRITY_HELP = `  verbatim migrate                          move a store of the first format to the current one (Verbatim stopped)
  verbatim migrate --from DIR --to postgres://…  copy DIR's embedded store into a new PostgreSQL store (resumable)
  verbatim verify [--session ID]            check the store's hash chains, signed checkpoints and witness log
  verbatim verify --file FILE               check an exported evidence file (or a review result, FILE.json) on its own
  verbatim export SESSION --out FILE        write one self-contained evidence file (HTML) for a session
                                            (--out NAME.wacz: the session's captures as a WACZ web archive;
                                            --out NAME.har: captures and WebSocket messages as HAR 1.2)
  verbatim erase SESSION... --reason TEXT [--customer ID]   erase sessions (not held ones), leaving signed tombstones
  verbatim hold SESSION | --customer ID --reason TEXT       legal hold; verbatim release SESSION | --customer ID
  verbatim expire --retention CHANNEL=DAYS,... | --retention-days N
                                            erase sessions that ended longer ago than their channel's retention
                                            period, except held ones (e.g. proxy=2555,kiosk=1825,gateway=2555; a
                                            channel not named is kept; --retention-days: every channel, or those
                                            --retention does not name); verbatim start with either runs this hourly
                                            (these show progress and time left on stderr; --progress=false: silent)
`;

export { storeDirOf };
/** --keys DIR when several instances share one store and its keys; else <data>/keys. */
export const keysDirOf = (config: VerbatimConfig): string => config.keysDir ?? path.join(config.dataDir, 'keys');
/** The store's integrity options: signing key and witness log in <data>/keys, per-session keys in <data>/keys/keyring. */
export const integrityOf = (config: VerbatimConfig) => ({ keysDir: keysDirOf(config), keyringDir: path.join(keysDirOf(config), 'keyring') });

export async function verifyCommand(config: VerbatimConfig): Promise<void> {
  if (config.file?.toLowerCase().endsWith('.json')) return verifyReviewFile(config, config.file);
  if (config.file) {
    const { verifyEvidenceFile } = await import('../store/integrity/evidence-verify');
    const result = await verifyEvidenceFile(config.file);
    printReport({ ...result, summary: evidenceSummary(result) }, `evidence file ${config.file}`);
    return;
  }
  const progress = startProgress('verify', { enabled: config.progress });
  const onProgress = (p: VerifyProgress): void => progress.update(p.done, p.total, p.phase);
  // Read-only: verify never seals, recovers or writes anything (LevelDB: stop Verbatim first; PostgreSQL: any time).
  const store = await openConfiguredStore(config, { readOnly: true, deflateOnWorker: false });
  const report = await verifyAudit(store.audit(), {
    keysDir: keysDirOf(config), onProgress, ...(config.sessionId ? { sessionId: config.sessionId } : {}),
  }).finally(async () => {
    progress.end();
    await store.close();
  });
  printReport(report, config.sessionId ? `session ${config.sessionId}` : storeLabel(config));
}

/**
 * A review result set downloaded from the viewer (replay-viewer/reviews/): its signature over the canonical result,
 * checked against this data directory's verifier key when there is one, else against the key the file names.
 */
async function verifyReviewFile(config: VerbatimConfig, file: string): Promise<void> {
  const [{ readFile }, { verifyResult }] = await Promise.all([import('node:fs/promises'), import('../replay-viewer/reviews/result-signature')]);
  const pinned = await readFile(path.join(keysDirOf(config), 'checkpoint-signing.vkey'), 'utf8').catch(() => undefined);
  const check = verifyResult(await readFile(file, 'utf8'), pinned);
  printReport({
    ok: check.ok, problems: check.ok ? [] : [{ code: 'RESULT_INVALID', message: check.reason ?? 'does not verify' }],
    notes: [pinned ? `checked against ${path.join(keysDirOf(config), 'checkpoint-signing.vkey')}` : 'no verifier key in --data: checked against the key the file names'],
    summary: `review run ${check.runId ?? '?'}, signed by key id ${check.keyId ?? '?'}`,
  }, `review result ${file}`);
}

interface Printable {
  ok: boolean;
  problems: { code: string; message: string }[];
  notes: string[];
  stats?: VerifyReport['stats'];
  latestCheckpoint?: VerifyReport['latestCheckpoint'];
  summary?: string;
}

/** What `verify --file` says of an evidence file besides its problems: signer, replay fidelity, site versions. */
export function evidenceSummary(result: EvidenceReport): string {
  const f = result.fidelity;
  const fidelity = f ? `; replay fidelity ${f.score}/100 (${f.counts.own ?? 0} own, ${f.counts.borrowed ?? 0} borrowed, ${f.counts.loose ?? 0} loose, ${f.counts.missing ?? 0} missing)` : '';
  // Each page load's site version, as signed into the file (each distinct URL and version once).
  const shown = [...new Set((result.versions ?? []).map((p) => `${p.url} ${p.version || 'unversioned'}`))];
  const versions = result.versions ? `; site versions: ${shown.length ? shown.join(', ') : 'none recorded'}` : '';
  return `session ${result.sessionId ?? '?'}, signed by key id ${result.keyId ?? '?'} (compare with the store's checkpoint-signing.vkey)${fidelity}${versions}`;
}

function printReport(report: Printable, what: string): void {
  const s = report.stats;
  const cp = report.latestCheckpoint;
  const summary = report.summary ?? [
    s ? `${s.chains} chains, ${s.links} chained records, ${s.blobs} bodies` : '',
    cp ? `latest checkpoint #${cp.seq} (${cp.size} chains, ${cp.records} records, sealed ${new Date(cp.time).toISOString()})` : 'no checkpoint',
  ].filter(Boolean).join('; ');
  for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
  if (report.ok) {
    process.stdout.write(`OK: ${what} verifies. ${summary}\n`);
    return;
  }
  process.stdout.write(`FAILED: ${what} has ${report.problems.length} problem(s). ${summary}\n`);
  for (const p of report.problems) process.stdout.write(`  ${p.code}: ${p.message}\n`);
  process.exitCode = 1;
}

export async function exportCommand(config: VerbatimConfig): Promise<void> {
  const [sessionId] = config.args;
  if (!sessionId || !config.out) {
    process.stderr.write('usage: verbatim export SESSION --out FILE\n');
    process.exitCode = 2;
    return;
  }
  if (config.out.toLowerCase().endsWith('.har')) return exportHar(config, sessionId, config.out);
  if (config.out.toLowerCase().endsWith('.wacz')) {
    const { writeWacz } = await import('./export/wacz');
    const bytes = await writeExportFile(config, config.out, async (store, partial, onProgress) => {
      await writeWacz(store, sessionId, createWriteStream(partial, { mode: 0o600 }), { onProgress });
    });
    process.stdout.write(`Wrote ${path.resolve(config.out)} (WACZ 1.1.1, ${(bytes / 1024 / 1024).toFixed(1)} MB).\n`);
    return;
  }
  const { evidenceFile } = await import('./export/evidence-html');
  const progress = startProgress('export', { enabled: config.progress });
  const store = await openConfiguredStore(config, { integrity: { ...integrityOf(config), sealIntervalMs: 0 } });
  const file = path.resolve(config.out);
  const result = await evidenceFile(store, keysDirOf(config), sessionId, {
    onProgress: (done, total) => progress.update(done, total, 'resources'),
  }).then(async ({ html, ...rest }) => {
    await writeFile(file, html);
    return { file, ...rest };
  }).finally(async () => {
    progress.end();
    await store.close();
  });
  process.stdout.write(`Wrote ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MB, ${result.events} events, `
    + `${result.resources} inlined resources${result.missing ? `, ${result.missing} not in the archive` : ''}).\n`);
  for (const url of result.missingUrls.slice(0, 20)) process.stdout.write(`  not in the archive: ${url}\n`);
}

/** `export SESSION --out X.har`: the captures and WebSocket messages as HAR 1.2 (scripts/export/har.ts). */
async function exportHar(config: VerbatimConfig, sessionId: string, file: string): Promise<void> {
  const { buildHar } = await import('./export/har');
  let entries = 0;
  const bytes = await writeExportFile(config, file, async (store, partial, onProgress) => {
    const har = await buildHar(store, sessionId, { onProgress });
    entries = har.log.entries.length;
    await writeFile(partial, JSON.stringify(har), { mode: 0o600 });
  });
  process.stdout.write(`Wrote ${path.resolve(file)} (HAR 1.2, ${entries} entries, ${(bytes / 1024 / 1024).toFixed(1)} MB).\n`);
}

/**
 * Writes an export under a temporary name (owner-only: personal bodies are decrypted into it) and renames it when
 * complete, so a failed export leaves no partial file; progress on stderr. Answers the file's size.
 */
async function writeExportFile(
  config: VerbatimConfig, file: string,
  write: (store: Awaited<ReturnType<typeof openConfiguredStore>>, partial: string, onProgress: (done: number, total: number) => void) => Promise<void>,
): Promise<number> {
  const out = path.resolve(file);
  const partial = `${out}.partial`;
  const store = await openConfiguredStore(config, { integrity: { ...integrityOf(config), sealIntervalMs: 0 } });
  const progress = startProgress('export', { enabled: config.progress });
  try {
    await write(store, partial, (done, total) => progress.update(done, total, 'captures'));
    await rename(partial, out);
    return (await stat(out)).size;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    progress.end();
    await store.close();
  }
}

/** erase, hold, release, expire: erasure and legal hold (through the store API). */
export async function recordsCommand(config: VerbatimConfig): Promise<void> {
  const store = await openConfiguredStore(config, { integrity: { ...integrityOf(config), sealIntervalMs: 0 } });
  try {
    const target = config.customerId !== undefined ? { customerId: config.customerId } : { sessionId: config.args[0] ?? '' };
    switch (config.command) {
      case 'erase': {
        // Without session ids, a customer's sessions come from the store's customer index.
        const ids = config.args.length > 0 || config.customerId === undefined ? config.args : await store.sessionsOfCustomer(config.customerId);
        if (!config.reason || ids.length === 0) throw usage('verbatim erase SESSION... --reason TEXT [--customer ID]  (or --customer ID alone)');
        const progress = startProgress('erase', { enabled: config.progress });
        const r = await eraseSessions(store, ids, config.reason, config.customerId, (done, total) => progress.update(done, total, 'sessions'))
          .finally(() => progress.end());
        for (const t of r.erased) process.stdout.write(`erased ${t.sessionId}: ${t.records} records, ${t.bodies} bodies\n`);
        for (const id of r.held) process.stdout.write(`kept ${id}: under legal hold\n`);
        for (const id of r.unknown) process.stdout.write(`no session ${id}\n`);
        if (r.held.length || r.unknown.length) process.exitCode = 1;
        return;
      }
      case 'hold':
        if (!config.reason || !('customerId' in target || target.sessionId)) throw usage('verbatim hold SESSION | --customer ID --reason TEXT');
        await store.setHold(target, config.reason);
        process.stdout.write('legal hold set\n');
        return;
      case 'release':
        await store.releaseHold(target);
        process.stdout.write('legal hold released\n');
        return;
      default: {
        if (!config.retention) throw usage('verbatim expire --retention CHANNEL=DAYS,... | --retention-days N');
        const progress = startProgress('expire', { enabled: config.progress });
        const r = await expireSessions(store, config.retention, Date.now(), (done, total) => progress.update(done, total, 'sessions'))
          .finally(() => progress.end());
        process.stdout.write(`expired ${r.erased.length} sessions (${describeRetention(config.retention)}); ${r.held.length} kept under legal hold\n`);
      }
    }
  } finally {
    await store.close();
  }
}

/**
 * Erases sessions one by one; a held one (or one of a held customer) is kept and named, an unknown one named.
 * A hold on `customerId` keeps every one of them, even sessions the customer index does not link to it.
 */
export async function eraseSessions(
  store: VerbatimStore, ids: string[], reason: string, customerId?: string, onProgress?: (done: number, total: number) => void,
): Promise<{ erased: Tombstone[]; held: string[]; unknown: string[] }> {
  const result = { erased: [] as Tombstone[], held: [] as string[], unknown: [] as string[] };
  const customerHeld = customerId !== undefined && (await store.getHold({ customerId })) !== undefined;
  for (const [done, sessionId] of ids.entries()) {
    onProgress?.(done, ids.length);
    if (customerHeld) {
      result.held.push(sessionId);
      continue;
    }
    try {
      result.erased.push(await store.eraseSession(sessionId, { reason }));
    } catch (err) {
      if (isVerbatimError(err, 'LEGAL_HOLD')) result.held.push(sessionId);
      else if (isVerbatimError(err, 'SESSION_UNKNOWN') || isVerbatimError(err, 'BAD_REQUEST')) result.unknown.push(sessionId);
      else throw err;
    }
  }
  onProgress?.(ids.length, ids.length);
  return result;
}

/** `verbatim migrate`: a store of the first format to the current one (scripts/migrate.ts); Verbatim stopped. */
export async function migrateCommand(config: VerbatimConfig): Promise<void> {
  // --to picks the copy into PostgreSQL; without it, migrate upgrades the embedded store's format as before.
  if (config.migrateTo) return (await import('./migrate-to-store')).migrateToStoreCommand(config);
  const { migrateStore } = await import('./migrate');
  const progress = startProgress('migrate', { enabled: config.progress });
  const r = await migrateStore(config.dataDir, keysDirOf(config), (done, total) => progress.update(done, total, 'sessions'))
    .finally(() => progress.end());
  process.stdout.write(`Migrated ${r.sessions} sessions (${r.batches} event batches, ${r.captures} captures, ${r.messages} WebSocket messages, `
    + `${r.bodies} personal bodies, ${r.holds} legal holds); ${r.erased} erased sessions stay erased.\n`
    + `The old store is kept in ${path.join(config.dataDir, 'store.v1')} (old checkpoint ${r.fromCheckpoint ?? 'none'}); run \`verbatim verify\` now.\n`);
}

function usage(text: string): Error {
  return new Error(`usage: ${text}`);
}

/** One expiry run: erases the sessions whose channel's retention period has passed, except held ones. */
export function expireSessions(
  store: VerbatimStore, policy: RetentionPolicy, now = Date.now(), onProgress?: (done: number, total: number) => void,
): Promise<{ erased: string[]; held: string[] }> {
  return store.expire(policy, { now, ...(onProgress ? { onProgress } : {}) });
}

/** How often an instance that does not run the expiry job asks whether it should (another instance's died). */
export const EXPIRY_RETRY_MS = 30_000;

/**
 * The expiry job of `verbatim start --retention … | --retention-days N`: hourly, first run a minute after start, on
 * one instance at a time when several share the store (store/leader-job.ts).
 */
export function startExpiryJob(store: VerbatimStore, policy: RetentionPolicy, onError: (err: unknown, context: string) => void): LeaderJob {
  return startLeaderJob({
    leadership: store.leadership?.('expiry') ?? soleLeadership('expiry'),
    everyMs: 3_600_000, firstAfterMs: 60_000, retryMs: EXPIRY_RETRY_MS,
    run: () => expireSessions(store, policy),
    onError: (err) => onError(err, 'expiry job'),
  });
}
