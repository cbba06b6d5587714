import { LevelStore } from '../level/level-store';
import { verifyAudit, type VerifyOptions, type VerifyReport } from './verify';

export { verifyAudit };

/**
 * Verifies a stopped Verbatim's LevelDB store (LevelDB allows one process: stop Verbatim first). Opened read-only:
 * verify never seals, recovers or writes anything.
 */
export async function verifyStore(storeDir: string, options: VerifyOptions): Promise<VerifyReport> {
  const store = new LevelStore(storeDir, { readOnly: true, deflateOnWorker: false });
  await store.open();
  try {
    return await verifyAudit(store.audit(), options);
  } finally {
    await store.close();
  }
}
