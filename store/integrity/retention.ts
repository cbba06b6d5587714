import type { Level } from 'level';
import { decodeJson } from '../blob-codec';
import { VerbatimError } from '../errors';
import { customerHoldKey, sessionHoldKey, sessionIdFromStartKey, sessionKey, sessionsByStartRange, tombstoneKey } from '../keys';
import type { Channel, Session } from '../records';
import { assertId } from '../validate';
import type { WriteOp } from '../write-queue';
import { planErasure, planRedaction } from './erasure';
import type { Tombstone } from './erasure';
import type { Keyring } from './keyring';
import type { Sealer } from './sealer';

/** What a legal hold applies to. */
export type HoldTarget = { sessionId: string } | { customerId: string };

export interface LegalHold { reason: string; at: number }

/** Retention period per channel, in days; a channel without one is kept indefinitely. */
export type RetentionPolicy = Partial<Record<Channel, number>>;

export interface RetentionContext {
  db: Level<string, Uint8Array>;
  submit(ops: WriteOp[]): Promise<void>;
  /** Runs `fn` in the session's turn (no event append interleaves). */
  inSession<T>(sessionId: string, fn: () => Promise<T>): Promise<T>;
  sealer: Sealer;
  /** When session data is encrypted: records are opened with it and erasure destroys the session's key. */
  keyring?: Keyring | undefined;
}

const DAY_MS = 86_400_000;
const holdKey = (t: HoldTarget): string => ('sessionId' in t ? sessionHoldKey(t.sessionId) : customerHoldKey(t.customerId));

/**
 * Legal holds, erasure and expiry on the LevelDB store. Erasure of a held
 * session (or of a held customer's) fails with LEGAL_HOLD (GDPR Art. 17(3)(b):
 * a duty to retain wins); sessions do not name their customer, so the caller
 * (the bank's case system) says which sessions belong to whom.
 */
export class Retention {
  constructor(private readonly ctx: RetentionContext) {}

  async setHold(target: HoldTarget, reason: string, now = Date.now()): Promise<void> {
    assertId('sessionId' in target ? target.sessionId : target.customerId, 'hold target');
    const hold: LegalHold = { reason, at: now };
    await this.ctx.submit([{ type: 'put', key: holdKey(target), value: Buffer.from(JSON.stringify(hold)) }]);
  }

  async releaseHold(target: HoldTarget): Promise<void> {
    await this.ctx.submit([{ type: 'del', key: holdKey(target) }]);
  }

  async hold(target: HoldTarget): Promise<LegalHold | undefined> {
    const v = await this.ctx.db.get(holdKey(target));
    return v === undefined ? undefined : decodeJson<LegalHold>(v);
  }

  private async readSession(id: string): Promise<Session | undefined> {
    const stored = await this.ctx.db.get(sessionKey(id));
    if (stored === undefined) return undefined;
    return decodeJson<Session>(this.ctx.keyring ? await this.ctx.keyring.open(id, sessionKey(id), stored) : stored);
  }

  async eraseSession(sessionId: string, request: { reason: string; customerId?: string }): Promise<Tombstone> {
    assertId(sessionId, 'sessionId');
    const { db } = this.ctx;
    const tombstone = await this.ctx.inSession(sessionId, async () => {
      const previous = await db.get(tombstoneKey(sessionId));
      if (previous !== undefined) return decodeJson<Tombstone>(previous);
      const session = await this.readSession(sessionId);
      if (session === undefined) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
      const held = (await this.hold({ sessionId }))
        ?? (request.customerId !== undefined ? await this.hold({ customerId: request.customerId }) : undefined);
      if (held) throw new VerbatimError('LEGAL_HOLD', 'the session is under legal hold', { sessionId });
      const { ops, tombstone: t } = await planErasure(db, session, request.reason, this.ctx.sealer.key.privateKey, request.customerId);
      await this.ctx.submit(ops);
      return t;
    });
    // Idempotent: a crash before this point is repaired by erasing again.
    await this.ctx.keyring?.destroy(sessionId);
    const redaction = await planRedaction(db, sessionId);
    if (redaction.length > 0) await this.ctx.submit(redaction);
    await this.ctx.sealer.seal();
    return tombstone;
  }

  /**
   * Erases each of a customer's sessions that is not held; a hold on the customer keeps them all (no customer: sessions only).
   * `onProgress(done, total)` follows the sessions (a CLI shows it).
   */
  async eraseCustomer(
    customerId: string | undefined, sessionIds: string[], reason: string, onProgress?: (done: number, total: number) => void,
  ): Promise<{ erased: Tombstone[]; held: string[]; unknown: string[] }> {
    const result = { erased: [] as Tombstone[], held: [] as string[], unknown: [] as string[] };
    let done = 0;
    for (const sessionId of sessionIds) {
      onProgress?.(done++, sessionIds.length);
      try {
        result.erased.push(await this.eraseSession(sessionId, { reason, ...(customerId !== undefined ? { customerId } : {}) }));
      } catch (err) {
        if (err instanceof VerbatimError && err.code === 'LEGAL_HOLD') result.held.push(sessionId);
        else if (err instanceof VerbatimError && err.code === 'SESSION_UNKNOWN') result.unknown.push(sessionId);
        else throw err;
      }
    }
    onProgress?.(done, sessionIds.length);
    return result;
  }

  /**
   * The expiry job: erases sessions that ended longer ago than their channel's retention period, unless held.
   * `onProgress(done, total)` follows the sessions old enough to be looked at (a CLI shows it).
   */
  async expire(
    policy: RetentionPolicy, now = Date.now(), customerOf?: (sessionId: string) => string | undefined,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ erased: string[]; held: string[] }> {
    const periods = Object.values(policy).filter((d): d is number => typeof d === 'number');
    const result = { erased: [] as string[], held: [] as string[] };
    if (periods.length === 0) return result;
    const oldestCutoff = now - Math.min(...periods) * DAY_MS;
    const ids = (await this.ctx.db.keys(sessionsByStartRange(oldestCutoff)).all()).map(sessionIdFromStartKey);
    let done = 0;
    for (const id of ids) {
      onProgress?.(done++, ids.length);
      const session = await this.readSession(id);
      if (session === undefined) continue;
      const days = policy[session.channel];
      if (days === undefined || session.endedAt >= now - days * DAY_MS) continue;
      try {
        // The customer id (when known) makes a hold on the customer count too.
        const customerId = customerOf?.(id);
        await this.eraseSession(id, {
          reason: `retention period for channel ${session.channel} (${days} days) ended`, ...(customerId !== undefined ? { customerId } : {}),
        });
        result.erased.push(id);
      } catch (err) {
        if (err instanceof VerbatimError && err.code === 'LEGAL_HOLD') result.held.push(id);
        else throw err;
      }
    }
    onProgress?.(done, ids.length);
    return result;
  }
}
