/** Tamper evidence for the store: hash chains, signed checkpoints, verification, evidence, erasure tombstones. */
export { Sealer } from './sealer';
export type { SealResult } from './sealer';
export { loadOrCreateSigningKey, readVerifierKey, parseVerifierKey, VERIFIER_KEY_FILE } from './signing-key';
export { WITNESS_FILE } from './witness';
export { verifyAudit, verifyStore } from './verify-store';
export type { Problem, VerifyReport, VerifyOptions, VerifyProgress } from './verify';
