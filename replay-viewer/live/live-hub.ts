/**
 * The live view's one subscription to the store's change feed (store/change-feed.ts), shared by every live
 * connection of this viewer: it fans `events.appended` and `session.erased` out to the connections watching that
 * session, knows the feed's last seq (where a new connection's snapshot stands), and counts viewers per session
 * (the limits, and the recorder's hint to upload more often while someone watches: proxy/recorder-endpoint.ts).
 */
import type { Change } from '../../store/change-feed';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import { lastSeq } from '../search/reindex';

/** Live viewers of one session at once (a contact centre needs one or two; the rest is a runaway client). */
export const MAX_VIEWERS_PER_SESSION = 5;
/** Live viewers of one viewer instance at once: each holds an open response and a small buffer. */
export const MAX_VIEWERS_PER_INSTANCE = 200;

export type LiveListener = (change: Change) => void;

export interface LiveLimits {
  perSession?: number;
  perInstance?: number;
}

export class LiveHub {
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private total = 0;
  private head = 0;
  private unsubscribe: (() => void) | undefined;
  private ready: Promise<void> | undefined;
  private readonly perSession: number;
  private readonly perInstance: number;

  constructor(private readonly store: VerbatimStore, limits: LiveLimits = {}) {
    this.perSession = limits.perSession ?? MAX_VIEWERS_PER_SESSION;
    this.perInstance = limits.perInstance ?? MAX_VIEWERS_PER_INSTANCE;
  }

  /** Subscribes on first use (a viewer nobody watches live costs nothing). */
  private start(): Promise<void> {
    this.ready ??= (async () => {
      this.unsubscribe = this.store.subscribe((change) => this.deliver(change));
      const seq = await lastSeq(this.store);
      this.head = Math.max(this.head, seq);
    })();
    return this.ready;
  }

  /** The feed's last seq seen by this hub: every change up to it is in the store. */
  get headSeq(): number {
    return this.head;
  }

  /** Whether anyone watches this session live now (the recorder then uploads every 500 ms). */
  watching(sessionId: string): boolean {
    return (this.listeners.get(sessionId)?.size ?? 0) > 0;
  }

  /** Adds a viewer of a session; THROTTLED past the limits. Returns the function that removes it. */
  async attach(sessionId: string, listener: LiveListener): Promise<() => void> {
    await this.start();
    const set = this.listeners.get(sessionId) ?? new Set<LiveListener>();
    if (set.size >= this.perSession) {
      throw new VerbatimError('THROTTLED', `This session already has ${this.perSession} live viewers`, { sessionId });
    }
    if (this.total >= this.perInstance) throw new VerbatimError('THROTTLED', `This viewer already serves ${this.perInstance} live views`);
    set.add(listener);
    this.listeners.set(sessionId, set);
    this.total++;
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.total--;
      set.delete(listener);
      if (!set.size) this.listeners.delete(sessionId);
    };
  }

  close(): void {
    this.unsubscribe?.();
    this.listeners.clear();
  }

  private deliver(change: Change): void {
    this.head = Math.max(this.head, change.seq);
    if (change.type !== 'events.appended' && change.type !== 'session.erased') return;
    for (const listener of this.listeners.get(change.sessionId) ?? []) listener(change);
  }
}
