/** Tamper evidence for the store: hash chains, signed checkpoints, verification, evidence, erasure tombstones. */
export { Sealer } from './sealer';
export type { SealResult } from './sealer';
export { loadOrCreateSigningKey, readVerifierKey, parseVerifierKey, formatVerifierKey, VERIFIER_KEY_FILE } from './signing-key';
export type { SigningKey, VerifierKey } from './signing-key';
export { signNote, openNote } from './signed-note';
export { WITNESS_FILE } from './witness';
export { verifyAudit, verifyStore } from './verify-store';
export type { Problem, VerifyReport, VerifyOptions, VerifyProgress } from './verify';
