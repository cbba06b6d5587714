import { join } from 'node:path';
import { decodeJson, decodeValue } from '../blob-codec';
import type { AuditReader } from '../base/audit-reader';
import type { StoredRecord } from '../base/backend';
import { parseRecordId, STORE_CHAIN } from '../record-ids';
import type { CapturedResource, Tombstone } from '../records';
import { checkpointHash, openCheckpoint } from './checkpoint';
import type { StoredCheckpoint } from './checkpoint';
import { tombstoneSignatureValid } from './erasure';
import { GENESIS, OP_PUT, chainLeafData, linkHash, sha256, sortChainIds } from './link';
import { leafHash, merkleRootOfLeafHashes } from './merkle';
import { readVerifierKey } from './signing-key';
import type { VerifierKey } from './signing-key';
import { WITNESS_FILE, readWitness } from './witness';

/**
 * Checks a store against its hash chains, signed checkpoints and the whole witness log, and says exactly what is
 * wrong and where. Works through the AuditReader, so it checks any backend the same way. Never throws for
 * tampering: every finding becomes a Problem, so one run lists them all.
 */

export interface Problem {
  code:
    | 'CHECKPOINT_INVALID' | 'CHECKPOINT_MISMATCH' | 'ROLLED_BACK' | 'LINK_MISSING' | 'LINK_INVALID'
    | 'CHAIN_BROKEN' | 'HEAD_MISMATCH' | 'CHAIN_TRUNCATED' | 'CHAIN_MISSING' | 'RECORD_ALTERED'
    | 'RECORD_DELETED' | 'RECORD_UNCHAINED' | 'BLOB_MISSING' | 'BLOB_ALTERED' | 'TOMBSTONE_INVALID' | 'INDEX_ALTERED';
  message: string;
  /** The logical record id (or backend key for index problems) concerned. */
  key?: string;
  session?: string;
  /** Index of the chain link concerned. */
  index?: number;
}

export interface VerifyProgress {
  phase: 'checkpoints' | 'chains' | 'records' | 'blobs';
  done: number;
  total: number;
}

export interface VerifyOptions {
  /** Check one session's chain (plus every checkpoint); default all. */
  sessionId?: string;
  /** Directory with checkpoint-signing.vkey and the witness log (<data>/keys). */
  keysDir: string;
  /** Verifier key to use instead of the one in keysDir (an auditor's own copy). */
  verifierKey?: VerifierKey;
  witnessPath?: string;
  onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyReport {
  ok: boolean;
  problems: Problem[];
  /** Facts worth knowing that are not failures (unsealed tail, missing witness log, erasures). */
  notes: string[];
  stats: { checkpoints: number; chains: number; links: number; records: number; blobs: number };
  latestCheckpoint?: { seq: number; size: number; records: number; time: number };
}

const label = (chain: string): string => (chain === STORE_CHAIN ? 'store-wide capture chain' : `session ${chain}`);
const sessionOf = (chain: string): { session?: string } => (chain === STORE_CHAIN ? {} : { session: chain });

export async function verifyAudit(audit: AuditReader, options: VerifyOptions): Promise<VerifyReport> {
  return new StoreVerifier(audit, options).run();
}

interface Latest { index: number; op: number; digest: Buffer }

class StoreVerifier {
  private readonly problems: Problem[] = [];
  private readonly notes: string[] = [];
  private readonly stats = { checkpoints: 0, chains: 0, links: 0, records: 0, blobs: 0 };
  /** Per chain: every (count → head hash) some checkpoint sealed, and the newest. */
  private readonly sealed = new Map<string, { counts: Map<number, { hash: string; seq: number }>; latest: number; seq: number }>();
  private readonly digests = new Set<string>();
  private readonly walked = new Set<string>();
  private latest: VerifyReport['latestCheckpoint'];
  private key: VerifierKey | undefined;

  constructor(private readonly audit: AuditReader, private readonly options: VerifyOptions) {}

  async run(): Promise<VerifyReport> {
    await this.checkCheckpoints();
    const only = this.options.sessionId;
    const chains = only !== undefined ? [only] : await this.chainIds();
    let done = 0;
    for (const chain of chains) {
      await this.checkChain(chain);
      done += 1;
      if (done % 200 === 0 || done === chains.length) this.progress('chains', done, chains.length);
    }
    for (const [chain, info] of this.sealed) {
      if ((only === undefined || chain === only) && !this.walked.has(chain)) {
        this.problem('CHAIN_MISSING', `${label(chain)}: checkpoint #${info.seq} sealed ${info.latest} records, the store has no chain for it (deleted)`, sessionOf(chain));
      }
    }
    if (only === undefined) {
      await this.checkUnchained();
      for await (const p of this.audit.indexProblems()) this.problem('INDEX_ALTERED', p.message, { key: p.key });
    }
    await this.checkBlobs();
    return {
      ok: this.problems.length === 0,
      problems: this.problems,
      notes: this.notes,
      stats: this.stats,
      ...(this.latest ? { latestCheckpoint: this.latest } : {}),
    };
  }

  private problem(code: Problem['code'], message: string, where: Omit<Problem, 'code' | 'message'> = {}): void {
    this.problems.push({ code, message, ...where });
  }

  private progress(phase: VerifyProgress['phase'], done: number, total: number): void {
    this.options.onProgress?.({ phase, done, total });
  }

  private async checkCheckpoints(): Promise<void> {
    const key = this.options.verifierKey ?? await readVerifierKey(this.options.keysDir).catch(() => undefined);
    this.key = key;
    const entries = await this.audit.checkpoints();
    this.stats.checkpoints = entries.length;
    const leaves = new Map<string, { count: number; hash: string }>();
    let prevHash: Buffer | undefined;
    let expectedSeq = 1;
    const bySeq = new Map<number, Buffer>();
    if (!key && entries.length > 0) {
      this.problem('CHECKPOINT_INVALID', `no checkpoint verifier key in ${this.options.keysDir}; signatures cannot be checked`);
    }
    for (const { seq: storedSeq, value } of entries) {
      let stored: StoredCheckpoint;
      try {
        stored = decodeJson<StoredCheckpoint>(value);
      } catch {
        this.problem('CHECKPOINT_INVALID', `checkpoint #${storedSeq} is not readable`, { key: `checkpoint/${storedSeq}` });
        continue;
      }
      const seq = stored.seq;
      if (seq !== storedSeq) this.problem('CHECKPOINT_INVALID', `checkpoint #${seq} is stored as #${storedSeq}`, { key: `checkpoint/${storedSeq}` });
      if (seq !== expectedSeq) {
        this.problem('CHECKPOINT_INVALID', `checkpoint #${expectedSeq}${seq > expectedSeq + 1 ? `..#${seq - 1}` : ''} missing (found #${seq} next)`, { key: `checkpoint/${seq}` });
      }
      expectedSeq = seq + 1;
      const hash = checkpointHash(stored.note);
      bySeq.set(seq, hash);
      for (const [chain, count, head] of stored.changed) {
        leaves.set(chain, { count, hash: head });
        let info = this.sealed.get(chain);
        if (!info) this.sealed.set(chain, info = { counts: new Map(), latest: 0, seq: 0 });
        info.counts.set(count, { hash: head, seq });
        info.latest = count;
        info.seq = seq;
      }
      if (!key) continue;
      let body;
      try {
        body = openCheckpoint(stored.note, key);
      } catch (err) {
        this.problem('CHECKPOINT_INVALID', `checkpoint #${seq}: ${(err as Error).message}`, { key: `checkpoint/${seq}` });
        continue;
      }
      if (prevHash && !(body.prev?.equals(prevHash) ?? false)) {
        this.problem('CHECKPOINT_INVALID', `checkpoint #${seq} does not chain to checkpoint #${seq - 1} (prev hash differs)`, { key: `checkpoint/${seq}` });
      }
      prevHash = hash;
      const ids = sortChainIds(leaves.keys());
      const root = merkleRootOfLeafHashes(ids.map((chain) => {
        const leaf = leaves.get(chain)!;
        return leafHash(chainLeafData(chain, leaf.count, Buffer.from(leaf.hash, 'base64')));
      }));
      if (body.size !== ids.length || !root.equals(body.root)) {
        this.problem('CHECKPOINT_MISMATCH', `checkpoint #${seq}: its stored chain heads do not give the signed root (size ${body.size})`, { key: `checkpoint/${seq}` });
      }
      this.latest = { seq, size: body.size, records: body.records, time: body.time };
      this.progress('checkpoints', seq, entries.length);
    }
    await this.checkWitness(bySeq, expectedSeq - 1);
  }

  /**
   * Every checkpoint the witness log ever recorded must still be in the store, unchanged: comparing only the newest
   * line would accept a store rolled back and then sealed again past the old count.
   */
  private async checkWitness(bySeq: Map<number, Buffer>, newest: number): Promise<void> {
    const path = this.options.witnessPath ?? join(this.options.keysDir, WITNESS_FILE);
    const witnessed = await readWitness(path);
    if (witnessed.length === 0) {
      if (newest > 0) this.notes.push(`no witness log at ${path}: a rollback of the store cannot be detected`);
      return;
    }
    let reported = 0;
    for (const entry of witnessed) {
      const mine = bySeq.get(entry.seq);
      if (mine && mine.toString('hex') === entry.hash) continue;
      if (reported++ >= 20) continue;
      this.problem('ROLLED_BACK', mine
        ? `checkpoint #${entry.seq} differs from the one the witness log recorded at ${new Date(entry.time).toISOString()} (store replaced or rolled back and resealed)`
        : `store rolled back: the witness log names checkpoint #${entry.seq} (${entry.records} records, sealed ${new Date(entry.time).toISOString()}) `
          + `but the store's newest checkpoint is ${newest > 0 ? `#${newest}` : 'none'}`, { key: `checkpoint/${entry.seq}` });
    }
    if (reported > 20) this.notes.push(`${reported - 20} more witnessed checkpoints are missing or differ`);
  }

  private async chainIds(): Promise<string[]> {
    const ids = new Set(await this.audit.chainIds());
    // Chains whose links were all deleted are still named by a checkpoint.
    for (const chain of this.sealed.keys()) ids.add(chain);
    return sortChainIds(ids);
  }

  private async checkChain(chain: string): Promise<void> {
    const where = sessionOf(chain);
    const latest = new Map<string, Latest>();
    let prev: Buffer = GENESIS;
    let count = 0;
    const sealed = this.sealed.get(chain);
    for await (const { index, link } of this.audit.links(chain)) {
      if (index !== count) {
        this.problem('LINK_MISSING', `${label(chain)}: chain link #${count}${index > count + 1 ? `..#${index - 1}` : ''} missing (found #${index} next)`, { ...where, index: count });
        count = index;
      }
      if (!link) {
        this.problem('LINK_INVALID', `${label(chain)}: chain link #${index} is unreadable`, { ...where, index });
        count += 1;
        continue;
      }
      if (!linkHash(prev, link.op, link.id, link.valueDigest).equals(link.hash)) {
        this.problem('CHAIN_BROKEN', `${label(chain)}: chain link #${index} (record ${link.id}) does not follow from link #${index - 1}: links were edited, reordered or inserted`, { ...where, key: link.id, index });
      }
      if (parseRecordId(link.id)?.sessionId !== chain) {
        this.problem('CHAIN_BROKEN', `${label(chain)}: chain link #${index} names record ${link.id} of another chain`, { ...where, key: link.id, index });
      }
      const seal = sealed?.counts.get(index + 1);
      if (seal && seal.hash !== link.hash.toString('base64')) {
        this.problem('CHECKPOINT_MISMATCH', `${label(chain)}: chain hash after link #${index} differs from what checkpoint #${seal.seq} signed: the chain was rewritten`, { ...where, key: link.id, index });
      }
      latest.set(link.id, { index, op: link.op, digest: link.valueDigest });
      prev = link.hash;
      count += 1;
    }
    this.walked.add(chain);
    this.stats.chains += 1;
    this.stats.links += count;
    if (sealed && count < sealed.latest) {
      this.problem('CHAIN_TRUNCATED', `${label(chain)}: checkpoint #${sealed.seq} sealed ${sealed.latest} records but the store has ${count}: the newest were deleted`, { ...where, index: count });
    } else if ((sealed && count > sealed.latest) || (!sealed && count > 0 && this.stats.checkpoints > 0)) {
      this.notes.push(`${label(chain)}: ${count - (sealed?.latest ?? 0)} records after the last checkpoint (chained, not yet sealed)`);
    }
    const head = await this.audit.head(chain);
    if (count > 0 && (head === undefined || head === 'unreadable' || head.count !== count || !head.hash.equals(prev))) {
      this.problem('HEAD_MISMATCH', `${label(chain)}: chain head ${head && head !== 'unreadable' ? `says ${head.count} records` : 'is missing'}, the links hold ${count}`, where);
    }
    await this.checkRecords(chain, latest);
  }

  /** Every record the chain's newest links name must hold exactly the value chained; no other record may exist. */
  private async checkRecords(chain: string, latest: Map<string, Latest>): Promise<void> {
    const where = sessionOf(chain);
    const seen = new Set<string>();
    for (const record of await this.audit.sessionRecords(chain)) {
      seen.add(record.id);
      this.stats.records += 1;
      const entry = latest.get(record.id);
      if (!entry || entry.op !== OP_PUT) {
        this.problem('RECORD_UNCHAINED', `${label(chain)}: record ${record.id} is in no chain link: it was inserted`, { ...where, key: record.id });
        continue;
      }
      if (!sha256(record.value).equals(entry.digest)) {
        this.problem('RECORD_ALTERED', `${label(chain)}: record ${record.id} differs from what chain link #${entry.index} recorded: it was altered or swapped`, { ...where, key: record.id, index: entry.index });
        continue;
      }
      if (record.kind === 'capture') await this.noteBodies(record);
      if (record.kind === 'tombstone') await this.checkTombstone(chain, record);
    }
    for (const [id, entry] of latest) {
      if (entry.op === OP_PUT && !seen.has(id)) {
        this.problem('RECORD_DELETED', `${label(chain)}: record ${id} (chain link #${entry.index}) is missing: it was deleted`, { ...where, key: id, index: entry.index });
      }
    }
  }

  private async checkTombstone(chain: string, record: StoredRecord): Promise<void> {
    let t: Tombstone | undefined;
    try { t = decodeJson<Tombstone>(await decodeValue(record.value)); } catch { t = undefined; }
    if (!t || t.sessionId !== chain || (this.key && !tombstoneSignatureValid(t, this.key.publicKey))) {
      this.problem('TOMBSTONE_INVALID', `${label(chain)}: the erasure tombstone is not signed by the store key`, { session: chain, key: record.id });
      return;
    }
    this.notes.push(`session ${chain} was erased at ${new Date(t.erasedAt).toISOString()}: ${t.records} records, ${t.bodies} bodies; reason: ${t.reason}`);
  }

  private async noteBodies(record: StoredRecord): Promise<void> {
    try {
      const capture = decodeJson<CapturedResource>(await decodeValue(record.value));
      // Sealed (personal) bodies are body/ records of the session's chain, checked with it.
      if (capture.body && !capture.body.sealed) this.digests.add(capture.body.digest);
      if (capture.requestBody && !capture.requestBody.sealed) this.digests.add(capture.requestBody.digest);
    } catch { /* its digest check already covers it */ }
  }

  /** Records of chains that do not exist at all (a whole inserted session), and records filed under the wrong chain. */
  private async checkUnchained(): Promise<void> {
    let done = 0;
    for await (const record of this.audit.records()) {
      const parsed = parseRecordId(record.id);
      if (!parsed || parsed.sessionId !== record.sessionId || parsed.kind !== record.kind) {
        this.problem('RECORD_UNCHAINED', `record ${record.id} is filed under session ${record.sessionId} as ${record.kind}: it was inserted or moved`, { key: record.id });
      } else if (!this.walked.has(record.sessionId)) {
        this.problem('RECORD_UNCHAINED', `record ${record.id} belongs to ${label(record.sessionId)}, which has no chain: it was inserted`, { ...sessionOf(record.sessionId), key: record.id });
      }
      if (++done % 5000 === 0) this.progress('records', done, 0);
    }
  }

  private async checkBlobs(): Promise<void> {
    const digests = [...this.digests];
    let done = 0;
    for (const digest of digests) {
      const stored = await this.audit.blob(digest);
      if (stored === undefined) {
        this.problem('BLOB_MISSING', `body ${digest} named by a chained capture is missing`, { key: `blob/${digest}` });
      } else {
        let bytes: Uint8Array | undefined;
        try { bytes = await decodeValue(stored); } catch { bytes = undefined; }
        if (!bytes || sha256(bytes).toString('hex') !== digest) {
          this.problem('BLOB_ALTERED', `body ${digest} does not hash to its digest: it was altered`, { key: `blob/${digest}` });
        }
      }
      done += 1;
      this.stats.blobs = done;
      if (done % 500 === 0 || done === digests.length) this.progress('blobs', done, digests.length);
    }
  }
}
