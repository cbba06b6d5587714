/** Tamper evidence for the store: hash chains, signed checkpoints, verification. */
export { ChainWriter } from './chain-writer';
export { Sealer } from './sealer';
export type { SealResult } from './sealer';
export { loadOrCreateSigningKey, readVerifierKey, parseVerifierKey, VERIFIER_KEY_FILE } from './signing-key';
export { WITNESS_FILE } from './witness';
