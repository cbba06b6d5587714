/**
 * The contract suite every store backend runs, split by capability: core behaviour always, the rest only where the
 * backend's `supports` manifest claims it (a group on an unsupported capability passes without asserting).
 */
import { describeChangeFeedContract } from './change-feed';
import { describeCoreContract } from './core';
import { describeCustomersContract } from './customers';
import { describeErasureContract } from './erasure';
import type { StoreFactory } from './fixtures';
import { describeIntegrityContract } from './integrity';
import { describeMultiWriterContract } from './multi-writer';
import { describeNotesContract } from './notes';
import { describePersonalBodiesContract } from './personal-bodies';
import { describeRecoveryContract } from './recovery';
import { describeSharedStateContract } from './shared-state';

export * from './fixtures';

export interface ContractOptions {
  /**
   * Skip the shared-state group: for a variant of a backend that differs only in its object storage (PostgreSQL + S3),
   * whose shared state is the same tables the plain variant already proved (suite time).
   */
  skipSharedState?: boolean;
}

export function describeStoreContract(name: string, makeStore: StoreFactory, options: ContractOptions = {}): void {
  describeCoreContract(name, makeStore);
  describePersonalBodiesContract(name, makeStore);
  describeIntegrityContract(name, makeStore);
  describeErasureContract(name, makeStore);
  describeChangeFeedContract(name, makeStore);
  describeCustomersContract(name, makeStore);
  describeNotesContract(name, makeStore);
  describeRecoveryContract(name, makeStore);
  describeMultiWriterContract(name, makeStore);
  if (!options.skipSharedState) describeSharedStateContract(name, makeStore);
}
