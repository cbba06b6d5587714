/**
 * `verbatim migrate`: moves a store of the first format (LevelDB keys s!/t!/e!/x!/u!/w!/p!/b!, chains over LevelDB
 * key strings) to the current one (logical ids, store/level/keys.ts), through the store API, so every record is
 * validated, sealed and chained exactly as a new one would be. Run with Verbatim stopped.
 *
 * Chains cannot carry over: the old links commit to the old keys. So the old store is kept whole, renamed
 * `<data>/store.v1` (its checkpoints, chains and witness log — `keys/checkpoint-head.v1` — stay verifiable with the
 * release that wrote them), and `store.v1/MIGRATED.json` records the old newest checkpoint's hash beside the counts
 * moved, so an auditor can tie the two stores together. Sessions are rebuilt from their event batches (the same
 * fold the store applies to every upload); personal bodies keep their session keys (the same keyring), re-sealed
 * under their new ids. Erased sessions stay erased (their tombstones are in the old store; their ids are refused).
 */
import { createHash } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import { decodeJson, decodeValue } from '../store/blob-codec';
import { VerbatimError } from '../store/errors';
import { Keyring } from '../store/integrity/keyring';
import { LevelStore } from '../store/level/level-store';
import type { CapturedResource, EventBatch, LegalHold, Session, WebSocketMessage } from '../store/records';

type Db = Level<string, Uint8Array>;
const SEP = '\u0000';

export interface MigrationResult {
  sessions: number;
  batches: number;
  captures: number;
  messages: number;
  bodies: number;
  holds: number;
  erased: number;
  /** SHA-256 (hex) of the old store's newest signed checkpoint note, if it had one. */
  fromCheckpoint?: string;
}

export async function migrateStore(dataDir: string, keysDir: string, onProgress?: (done: number, total: number) => void): Promise<MigrationResult> {
  const oldDir = path.join(dataDir, 'store');
  const archived = path.join(dataDir, 'store.v1');
  const staging = path.join(dataDir, 'store.migrating');
  if (await exists(archived)) throw new VerbatimError('CONFIG_INVALID', `${archived} exists already: a migration ran before (move it away to run again)`);
  const old: Db = new Level<string, Uint8Array>(oldDir, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: false });
  try {
    await old.open();
  } catch (err) {
    throw new VerbatimError('STORE_NOT_OPEN', `could not open ${oldDir} (missing, or Verbatim still running: stop it first)`, {}, { cause: err });
  }
  await rm(staging, { recursive: true, force: true });
  const keyring = new Keyring(path.join(keysDir, 'keyring'));
  const store = new LevelStore(staging, { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0, witnessPath: path.join(keysDir, 'checkpoint-head.v2') } });
  const result: MigrationResult = { sessions: 0, batches: 0, captures: 0, messages: 0, bodies: 0, holds: 0, erased: 0 };
  try {
    await store.open();
    const open = async (sid: string, key: string, v: Uint8Array): Promise<Uint8Array> => keyring.open(sid, key, v);
    const sessionKeys = await old.keys({ gte: 's!', lt: 's"' }).all();
    let done = 0;
    for (const key of sessionKeys) {
      const sid = key.slice(2);
      const session = decodeJson<Session>(await open(sid, key, (await old.get(key))!));
      const { pages: _p, eventCount: _c, endedAt: _e, ...init } = session;
      await store.createSession(init);
      result.sessions += 1;
      for await (const [k, v] of old.iterator({ gte: `p!${sid}${SEP}`, lt: `p!${sid}\u0001` })) {
        await store.putBlob(await decodeValue(await open(sid, k, v)), { sessionId: sid });
        result.bodies += 1;
      }
      const batches: EventBatch[] = [];
      for await (const [k, v] of old.iterator({ gte: `e!${sid}${SEP}`, lt: `e!${sid}\u0001` })) batches.push(decodeJson<EventBatch>(await decodeValue(await open(sid, k, v))));
      for (const batch of batches) await store.appendEvents(batch);
      result.batches += batches.length;
      for await (const [, v] of old.iterator({ gte: `x!${sid}${SEP}`, lt: `x!${sid}\u0001` })) {
        await putCapture(old, store, decodeJson<CapturedResource>(v));
        result.captures += 1;
      }
      const messages: WebSocketMessage[] = [];
      for await (const [k, v] of old.iterator({ gte: `w!${sid}${SEP}`, lt: `w!${sid}\u0001` })) messages.push(decodeJson<WebSocketMessage>(await open(sid, k, v)));
      if (messages.length) await store.putWebSocketMessages(messages);
      result.messages += messages.length;
      onProgress?.(++done, sessionKeys.length);
    }
    // Captures made without a session (the store-wide chain).
    for await (const [, v] of old.iterator({ gte: 'u!', lt: 'u"' })) {
      const capture = decodeJson<CapturedResource>(v);
      if (capture.sessionId !== undefined) continue;
      await putCapture(old, store, capture);
      result.captures += 1;
    }
    for await (const [k, v] of old.iterator({ gte: 'L!', lt: 'L"' })) {
      const [kind, id] = k.slice(2).split(SEP) as [string, string];
      const hold = decodeJson<LegalHold>(v);
      await store.setHold(kind === 's' ? { sessionId: id } : { customerId: id }, hold.reason, hold.at);
      result.holds += 1;
    }
    result.erased = (await old.keys({ gte: 'z!', lt: 'z"' }).all()).length;
    const [newest] = await old.values({ gte: 'K!', lt: 'K"', reverse: true, limit: 1 }).all();
    if (newest) result.fromCheckpoint = createHash('sha256').update(decodeJson<{ note: string }>(newest).note, 'utf8').digest('hex');
    await store.seal(true);
  } finally {
    await store.close().catch(() => undefined);
    await old.close();
  }
  // Swap only once the new store is complete: a failure above leaves the old store in place.
  await rename(oldDir, archived);
  await rename(staging, oldDir);
  // The old witness log belongs to the old store; the new one starts with the migration.
  const witness = path.join(keysDir, 'checkpoint-head');
  if (await exists(witness)) await rename(witness, path.join(keysDir, 'checkpoint-head.v1'));
  await rename(path.join(keysDir, 'checkpoint-head.v2'), witness);
  await writeMigrationNote(dataDir, result);
  return result;
}

/** A capture's bodies are copied first (a capture never names a body the store lacks). */
async function putCapture(old: Db, store: LevelStore, capture: CapturedResource): Promise<void> {
  const sid = capture.sessionId;
  for (const body of [capture.body, capture.requestBody]) {
    if (!body || body.sealed) continue;
    const stored = await old.get(`b!${body.digest}`);
    if (stored !== undefined) await store.putBlob(await decodeValue(stored), { compress: stored[0] === 1 });
  }
  const { body, requestBody, ...rest } = capture;
  const strip = <T extends { sealed?: boolean }>(b: T | null | undefined): T | null => (b ? (({ sealed: _s, ...x }) => x as T)(b) : null);
  await store.putCapture({ ...rest, body: strip(body), ...(requestBody ? { requestBody: strip(requestBody)! } : {}), ...(sid !== undefined ? { sessionId: sid } : {}) });
}

async function writeMigrationNote(dataDir: string, result: MigrationResult): Promise<void> {
  await writeFile(path.join(dataDir, 'store.v1', 'MIGRATED.json'), JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2), { mode: 0o600 });
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}
