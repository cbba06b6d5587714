/**
 * What a store backend can do, so callers (and the contract suite) ask instead of assuming. The base class fills in
 * what depends on configuration (a keyring, a signing key); a backend states what depends on its engine.
 */
export interface StoreCapabilities {
  /** Per-session bodies sealed with the session's key and never shared (needs a keyring). */
  personalBodies: boolean;
  /** Session records sealed at rest with a per-session key (needs a keyring). */
  encryption: boolean;
  /** Hash chains over every record, signed checkpoints and `verify` (needs a signing key). */
  integrity: boolean;
  /** Legal holds on sessions and customers. */
  holds: boolean;
  /** Erasure with signed tombstones, and expiry by retention policy (needs a signing key). */
  erasure: boolean;
  /** A durable, ordered change feed (`readChanges`, `subscribe`). */
  changeFeed: boolean;
  /** Session ↔ customer links kept in the store (sealed, erased with the session). */
  customerIndex: boolean;
  /** Notes on a session (SessionNote): kept, edited and deleted as the session's own records. */
  notes: boolean;
  /** Several processes may write at once (the ledger then settles chain heads with compare-and-set). */
  multiWriter: boolean;
  /** Versioned documents and sequenced logs shared by every instance (`sharedState()`, shared-state.ts). */
  sharedState: boolean;
  /** Data survives close and reopen (false for the in-memory backend). */
  durable: boolean;
}
