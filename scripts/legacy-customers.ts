/**
 * Earlier versions kept session ↔ customer links in <data>/customers.jsonl: in clear, and never emptied when a
 * session was erased. At start they move into the store's customer index (sealed, erased with the session), and the
 * file is overwritten and removed. Links to sessions the store no longer holds are dropped.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VerbatimStore } from '../store/store';

export const LEGACY_CUSTOMERS_FILE = 'customers.jsonl';

export async function importLegacyCustomers(dataDir: string, store: VerbatimStore): Promise<number> {
  const file = path.join(dataDir, LEGACY_CUSTOMERS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let moved = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let link: { sessionId?: unknown; customerId?: unknown; source?: unknown; at?: unknown };
    try { link = JSON.parse(line) as typeof link; } catch { continue; }
    if (typeof link.sessionId !== 'string' || typeof link.customerId !== 'string') continue;
    if (!(await store.getSession(link.sessionId).catch(() => undefined))) continue;
    const linked = await store.linkCustomer({
      sessionId: link.sessionId, customerId: link.customerId,
      source: typeof link.source === 'string' ? link.source : 'imported', at: typeof link.at === 'number' ? link.at : Date.now(),
    });
    if (linked) moved += 1;
  }
  // Overwrite before removing, so the ids do not linger in the freed blocks of a simple filesystem.
  const size = (await stat(file)).size;
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.alloc(size), 0, size, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rm(file);
  return moved;
}
