/**
 * Which instance runs a periodic job (expiry, scheduled reviews) when several instances share one store. A
 * single-writer store (LevelDB, memory) has one instance, which always leads (`soleLeadership`); the PostgreSQL
 * store elects one instance per job with a session-level advisory lock held on a connection of its own, so a killed
 * leader's lock goes with its connection and a follower's next `lead()` takes it.
 */
export interface Leadership {
  readonly job: string;
  /**
   * Whether this instance leads the job now: confirms a held lead (the connection still answers) or tries to take a
   * free one. Never throws: an unreachable database means "not leading", asked again at the next call.
   */
  lead(): Promise<boolean>;
  /** Gives the lead up (stop, close): another instance takes it at its next `lead()`. */
  release(): Promise<void>;
}

/** The only instance of a single-writer store leads every job. */
export function soleLeadership(job: string): Leadership {
  return { job, lead: () => Promise.resolve(true), release: () => Promise.resolve() };
}
