import { Level } from 'level';
import { join } from 'node:path';
import { decodeJson, decodeValue } from '../blob-codec';
import { VerbatimError } from '../errors';
import {
  ALL_CAPTURES_BY_URL, ALL_CHAIN_HEADS, ALL_CHECKPOINTS, CHAINED_RECORD_RANGES, STORE_CHAIN, blobKey,
  captureBySessionKey, chainHeadKey, chainIdFromHeadKey, chainLinkRange, chainOfRecordKey, checkpointKey,
  eventChunkRange, personalBodyRange, sessionCaptures, sessionKey, tombstoneKey, webSocketMessageRange,
} from '../keys';
import type { KeyRange } from '../keys';
import type { CapturedResource } from '../records';
import { checkpointHash, openCheckpoint } from './checkpoint';
import type { StoredCheckpoint } from './checkpoint';
import { GENESIS, OP_PUT, chainLeafData, sortChainIds, decodeHead, decodeLink, linkHash, sha256 } from './link';
import { leafHash, merkleRootOfLeafHashes } from './merkle';
import { tombstoneSignatureValid } from './erasure';
import type { Tombstone } from './erasure';
import { readVerifierKey } from './signing-key';
import type { VerifierKey } from './signing-key';
import { WITNESS_FILE, readLatestWitness } from './witness';

/**
 * Checks a store directory (the store must be closed: LevelDB allows one
 * process) against its hash chains, signed checkpoints and witness log, and
 * says exactly what is wrong and where. Never throws for tampering: every
 * finding becomes a Problem, so one run lists them all.
 */

export interface Problem {
  code:
    | 'CHECKPOINT_INVALID' | 'CHECKPOINT_MISMATCH' | 'ROLLED_BACK' | 'LINK_MISSING' | 'LINK_INVALID'
    | 'CHAIN_BROKEN' | 'HEAD_MISMATCH' | 'CHAIN_TRUNCATED' | 'CHAIN_MISSING' | 'RECORD_ALTERED'
    | 'RECORD_DELETED' | 'RECORD_UNCHAINED' | 'BLOB_MISSING' | 'BLOB_ALTERED' | 'LINK_REDACTED' | 'TOMBSTONE_INVALID';
  message: string;
  key?: string;
  session?: string;
  /** Index of the chain link concerned. */
  index?: number;
}

export interface VerifyProgress {
  phase: 'checkpoints' | 'chains' | 'records' | 'captures' | 'blobs';
  done: number;
  total: number;
}

export interface VerifyOptions {
  /** Check one session's chain (plus every checkpoint); default all. */
  sessionId?: string;
  /** Directory with checkpoint-signing.vkey and the witness log (<data>/keys). */
  keysDir: string;
  /** Verifier key text to use instead of the one in keysDir (an auditor's own copy). */
  verifierKey?: VerifierKey;
  witnessPath?: string;
  onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyReport {
  ok: boolean;
  problems: Problem[];
  /** Facts worth knowing that are not failures (unsealed tail, missing witness log). */
  notes: string[];
  stats: { checkpoints: number; chains: number; links: number; records: number; blobs: number };
  latestCheckpoint?: { seq: number; size: number; records: number; time: number };
}

type Db = Level<string, Uint8Array>;

export async function verifyStore(storeDir: string, options: VerifyOptions): Promise<VerifyReport> {
  const db: Db = new Level<string, Uint8Array>(storeDir, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    throw new VerbatimError('STORE_NOT_OPEN', `could not open the store at ${storeDir} (missing, or Verbatim still running: stop it first)`, { dir: storeDir }, { cause: err });
  }
  try {
    return await new StoreVerifier(db, options).run();
  } finally {
    await db.close();
  }
}

const label = (chain: string): string => (chain === STORE_CHAIN ? 'store-wide capture chain' : `session ${chain}`);
const sessionOf = (chain: string): { session?: string } => (chain === STORE_CHAIN ? {} : { session: chain });

class StoreVerifier {
  private readonly problems: Problem[] = [];
  private readonly notes: string[] = [];
  private readonly stats = { checkpoints: 0, chains: 0, links: 0, records: 0, blobs: 0 };
  /** Per chain: every (count → head hash) some checkpoint sealed, and the newest. */
  private readonly sealed = new Map<string, { counts: Map<number, { hash: string; seq: number }>; latest: number; seq: number }>();
  private readonly digests = new Set<string>();
  private readonly walked = new Set<string>();
  private storeChainDigests = new Map<string, Buffer>();
  private latest: VerifyReport['latestCheckpoint'];
  private key: VerifierKey | undefined;

  constructor(private readonly db: Db, private readonly options: VerifyOptions) {}

  async run(): Promise<VerifyReport> {
    await this.checkCheckpoints();
    const only = this.options.sessionId;
    const chains = only !== undefined ? [only] : await this.chainIds();
    const total = chains.length;
    let done = 0;
    for (const chain of chains) {
      await this.checkChain(chain);
      done += 1;
      if (done % 200 === 0 || done === total) this.progress('chains', done, total);
    }
    for (const [chain, info] of this.sealed) {
      if ((only === undefined || chain === only) && !this.walked.has(chain)) {
        this.problem('CHAIN_MISSING', `${label(chain)}: checkpoint #${info.seq} sealed ${info.latest} records, the store has no chain for it (deleted)`, sessionOf(chain));
      }
    }
    if (only === undefined) {
      await this.checkUnchained();
      await this.checkCapturesByUrl();
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
    const entries = await this.db.iterator(ALL_CHECKPOINTS).all();
    this.stats.checkpoints = entries.length;
    const leaves = new Map<string, { count: number; hash: string }>();
    let prevHash: Buffer | undefined;
    let expectedSeq = 1;
    const bySeq = new Map<number, Buffer>();
    if (!key && entries.length > 0) {
      this.problem('CHECKPOINT_INVALID', `no checkpoint verifier key in ${this.options.keysDir}; signatures cannot be checked`);
    }
    for (const [k, value] of entries) {
      let stored: StoredCheckpoint;
      try {
        stored = decodeJson<StoredCheckpoint>(value);
      } catch {
        this.problem('CHECKPOINT_INVALID', `checkpoint ${k.slice(2)} is not readable`, { key: k });
        continue;
      }
      const seq = stored.seq;
      if (k !== checkpointKey(seq)) this.problem('CHECKPOINT_INVALID', `checkpoint #${seq} is stored under the wrong key`, { key: k });
      if (seq !== expectedSeq) {
        this.problem('CHECKPOINT_INVALID', `checkpoint #${expectedSeq}${seq > expectedSeq + 1 ? `..#${seq - 1}` : ''} missing (found #${seq} next)`, { key: k });
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
        this.problem('CHECKPOINT_INVALID', `checkpoint #${seq}: ${(err as Error).message}`, { key: k });
        continue;
      }
      if (prevHash && !(body.prev?.equals(prevHash) ?? false)) {
        this.problem('CHECKPOINT_INVALID', `checkpoint #${seq} does not chain to checkpoint #${seq - 1} (prev hash differs)`, { key: k });
      }
      prevHash = hash;
      const ids = sortChainIds(leaves.keys());
      const root = merkleRootOfLeafHashes(ids.map((chain) => {
        const leaf = leaves.get(chain)!;
        return leafHash(chainLeafData(chain, leaf.count, Buffer.from(leaf.hash, 'base64')));
      }));
      if (body.size !== ids.length || !root.equals(body.root)) {
        this.problem('CHECKPOINT_MISMATCH', `checkpoint #${seq}: its stored chain heads do not give the signed root (size ${body.size})`, { key: k });
      }
      this.latest = { seq, size: body.size, records: body.records, time: body.time };
      this.progress('checkpoints', seq, entries.length);
    }
    await this.checkWitness(bySeq, expectedSeq - 1);
  }

  private async checkWitness(bySeq: Map<number, Buffer>, newest: number): Promise<void> {
    const path = this.options.witnessPath ?? join(this.options.keysDir, WITNESS_FILE);
    const witness = await readLatestWitness(path);
    if (!witness) {
      if (newest > 0) this.notes.push(`no witness log at ${path}: a rollback of the store cannot be detected`);
      return;
    }
    const mine = bySeq.get(witness.seq);
    if (!mine) {
      this.problem('ROLLED_BACK', `store rolled back: the witness log names checkpoint #${witness.seq} `
        + `(${witness.records} records, sealed ${new Date(witness.time).toISOString()}) but the store's newest checkpoint is `
        + `${newest > 0 ? `#${newest}` : 'none'}`, { key: checkpointKey(witness.seq) });
    } else if (mine.toString('hex') !== witness.hash) {
      this.problem('ROLLED_BACK', `checkpoint #${witness.seq} differs from the one the witness log recorded (store replaced)`, { key: checkpointKey(witness.seq) });
    }
  }

  private async chainIds(): Promise<string[]> {
    const keys = await this.db.keys(ALL_CHAIN_HEADS).all();
    const ids = new Set(keys.map(chainIdFromHeadKey));
    // Chains whose head was deleted still have links; find them by the sealed list.
    for (const chain of this.sealed.keys()) ids.add(chain);
    return sortChainIds(ids);
  }

  private async checkChain(chain: string): Promise<void> {
    const where = sessionOf(chain);
    const latest = new Map<string, { index: number; op: number; digest: Buffer }>();
    let prev: Buffer = GENESIS;
    let count = 0;
    let redacted = 0;
    const sealed = this.sealed.get(chain);
    for await (const [key, value] of this.db.iterator(chainLinkRange(chain))) {
      const index = Number(key.slice(key.lastIndexOf('\u0000') + 1));
      if (index !== count) {
        this.problem('LINK_MISSING', `${label(chain)}: chain link #${count}${index > count + 1 ? `..#${index - 1}` : ''} missing (found #${index} next)`, { ...where, key, index: count });
        count = index;
      }
      const link = decodeLink(value);
      if (!link) {
        this.problem('LINK_INVALID', `${label(chain)}: chain link #${index} is unreadable`, { ...where, key, index });
        count += 1;
        continue;
      }
      const expected = linkHash(prev, link.op, link.keyDigest, link.valueDigest);
      if (!expected.equals(link.hash)) {
        this.problem('CHAIN_BROKEN', `${label(chain)}: chain link #${index} (record ${printable(link.key ?? '(redacted)')}) does not follow from link #${index - 1}: links were edited, reordered or inserted`, { ...where, key: link.key, index });
      }
      const seal = sealed?.counts.get(index + 1);
      if (seal && seal.hash !== link.hash.toString('base64')) {
        this.problem('CHECKPOINT_MISMATCH', `${label(chain)}: chain hash after link #${index} differs from what checkpoint #${seal.seq} signed: the chain was rewritten`, { ...where, key: link.key, index });
      }
      if (link.key === undefined) redacted += 1;
      else latest.set(link.key, { index, op: link.op, digest: link.valueDigest });
      prev = link.hash;
      count += 1;
    }
    if (redacted > 0 && latest.get(tombstoneKey(chain))?.op !== OP_PUT) {
      this.problem('LINK_REDACTED', `${label(chain)}: ${redacted} chain links have their record keys redacted but the chain holds no erasure tombstone`, where);
    }
    this.walked.add(chain);
    this.stats.chains += 1;
    this.stats.links += count;
    if (sealed && count < sealed.latest) {
      this.problem('CHAIN_TRUNCATED', `${label(chain)}: checkpoint #${sealed.seq} sealed ${sealed.latest} records but the store has ${count}: the newest were deleted`, { ...where, index: count });
    } else if (sealed && count > sealed.latest) {
      this.notes.push(`${label(chain)}: ${count - sealed.latest} records after the last checkpoint (chained, not yet sealed)`);
    } else if (!sealed && count > 0 && this.stats.checkpoints > 0) {
      this.notes.push(`${label(chain)}: ${count} records after the last checkpoint (chained, not yet sealed)`);
    }
    const headValue = await this.db.get(chainHeadKey(chain));
    const head = headValue === undefined ? undefined : decodeHead(headValue);
    if (count > 0 && (!head || head.count !== count || !head.hash.equals(prev))) {
      this.problem('HEAD_MISMATCH', `${label(chain)}: chain head ${head ? `says ${head.count} records` : 'is missing'}, the links hold ${count}`, { ...where, key: chainHeadKey(chain) });
    }
    await this.checkRecords(chain, latest);
  }

  /** Every record the chain's newest links name must hold exactly the value chained; no other record may exist. */
  private async checkRecords(chain: string, latest: Map<string, { index: number; op: number; digest: Buffer }>): Promise<void> {
    const where = sessionOf(chain);
    const seen = new Set<string>();
    const check = (key: string, value: Uint8Array): void => {
      seen.add(key);
      this.stats.records += 1;
      const entry = latest.get(key);
      if (!entry || entry.op !== OP_PUT) {
        this.problem('RECORD_UNCHAINED', `${label(chain)}: record ${printable(key)} is in no chain link: it was inserted`, { ...where, key });
        return;
      }
      if (!sha256(value).equals(entry.digest)) {
        this.problem('RECORD_ALTERED', `${label(chain)}: record ${printable(key)} differs from what chain link #${entry.index} recorded: it was altered or swapped`, { ...where, key, index: entry.index });
        return;
      }
      if (key.startsWith('x!') || key.startsWith('u!')) this.noteBody(value);
      if (chain === STORE_CHAIN) this.storeChainDigests.set(key, entry.digest);
    };
    if (chain === STORE_CHAIN) {
      const keys = [...latest.keys()];
      const values = await this.db.getMany(keys);
      keys.forEach((k, i) => { if (values[i] !== undefined) check(k, values[i]!); });
    } else {
      const single = await this.db.get(sessionKey(chain));
      if (single !== undefined) check(sessionKey(chain), single);
      const tomb = await this.db.get(tombstoneKey(chain));
      if (tomb !== undefined) {
        check(tombstoneKey(chain), tomb);
        this.checkTombstone(chain, tomb);
      }
      for (const range of [eventChunkRange(chain), sessionCaptures(chain), webSocketMessageRange(chain), personalBodyRange(chain)]) {
        for await (const [key, value] of this.db.iterator(range)) check(key, value);
      }
    }
    for (const [key, entry] of latest) {
      if (entry.op === OP_PUT && !seen.has(key)) {
        this.problem('RECORD_DELETED', `${label(chain)}: record ${printable(key)} (chain link #${entry.index}) is missing: it was deleted`, { ...where, key, index: entry.index });
      }
    }
  }

  private checkTombstone(chain: string, value: Uint8Array): void {
    let t: Tombstone | undefined;
    try { t = decodeJson<Tombstone>(value); } catch { t = undefined; }
    if (!t || t.sessionId !== chain || (this.key && !tombstoneSignatureValid(t, this.key.publicKey))) {
      this.problem('TOMBSTONE_INVALID', `${label(chain)}: the erasure tombstone is not signed by the store key`, { session: chain, key: tombstoneKey(chain) });
      return;
    }
    this.notes.push(`session ${chain} was erased at ${new Date(t.erasedAt).toISOString()}${t.customerId ? ` (customer ${t.customerId})` : ''}: `
      + `${t.records} records, ${t.bodies} bodies; reason: ${t.reason}`);
  }

  private noteBody(value: Uint8Array): void {
    try {
      const capture = decodeJson<CapturedResource>(value);
      // Sealed (personal) bodies are p! records of the session's chain, checked with it.
      if (capture.body && !capture.body.sealed) this.digests.add(capture.body.digest);
      if (capture.requestBody && !capture.requestBody.sealed) this.digests.add(capture.requestBody.digest);
    } catch { /* its digest check already covers it */ }
  }

  /** s!/e!/x!/w!/p! records of sessions that have no chain at all. */
  private async checkUnchained(): Promise<void> {
    for (const range of CHAINED_RECORD_RANGES) {
      for await (const key of this.db.keys(range)) {
        const chain = chainOfRecordKey(key);
        if (chain !== undefined && !this.walked.has(chain)) {
          this.problem('RECORD_UNCHAINED', `record ${printable(key)} belongs to session ${chain}, which has no chain: it was inserted`, { session: chain, key });
        }
      }
    }
  }

  /** u! copies must equal their chained x! twin, or be chained in the store-wide chain. */
  private async checkCapturesByUrl(): Promise<void> {
    let done = 0;
    for await (const [key, value] of this.db.iterator(ALL_CAPTURES_BY_URL as KeyRange)) {
      done += 1;
      if (done % 5000 === 0) this.progress('captures', done, 0);
      let capture: CapturedResource | undefined;
      try { capture = decodeJson<CapturedResource>(value); } catch { capture = undefined; }
      if (capture?.sessionId !== undefined) {
        const twinKey = captureBySessionKey(capture.sessionId, capture.url, capture.startedAt, capture.id);
        const twin = await this.db.get(twinKey);
        if (twin !== undefined && Buffer.from(twin).equals(Buffer.from(value))) continue;
        this.problem('RECORD_ALTERED', `capture index ${printable(key)} does not match its session's chained record: it was altered or inserted`, { session: capture.sessionId, key });
      } else if (!this.storeChainDigests.has(key)) {
        this.problem(capture ? 'RECORD_UNCHAINED' : 'RECORD_ALTERED', `capture index ${printable(key)} is in no chain: it was altered or inserted`, { key });
      }
    }
  }

  private async checkBlobs(): Promise<void> {
    const digests = [...this.digests];
    let done = 0;
    for (const digest of digests) {
      const stored = await this.db.get(blobKey(digest));
      if (stored === undefined) {
        this.problem('BLOB_MISSING', `body ${digest} named by a chained capture is missing`, { key: blobKey(digest) });
      } else {
        let bytes: Uint8Array | undefined;
        try { bytes = await decodeValue(stored); } catch { bytes = undefined; }
        if (!bytes || sha256(bytes).toString('hex') !== digest) {
          this.problem('BLOB_ALTERED', `body ${digest} does not hash to its digest: it was altered`, { key: blobKey(digest) });
        }
      }
      done += 1;
      this.stats.blobs = done;
      if (done % 500 === 0 || done === digests.length) this.progress('blobs', done, digests.length);
    }
  }
}

/** Keys use \0 as separator; show it visibly. */
function printable(key: string): string {
  return JSON.stringify(key.replace(/\u0000/g, '␀')).slice(1, -1);
}
