/** The CLI's expiry (verbatim expire, start's hourly job) with a retention period per channel. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LevelStore } from '../store/level/level-store';
import { loadConfig } from './config';
import { expireSessions } from './integrity-commands';

const DAY = 86_400_000;
const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-expire-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('expire', () => {
  it('erases each channel after its own period, keeps channels not named and held sessions', async () => {
    const store = new LevelStore(path.join(dir, 'store'), { integrity: { keysDir: path.join(dir, 'keys'), sealIntervalMs: 0 } });
    await store.open();
    try {
      const now = Date.now();
      const sessions = [
        ['proxyold00000000000000000a', 'proxy', 40], ['proxynew00000000000000000a', 'proxy', 20],
        ['kioskold00000000000000000a', 'kiosk', 40], ['gatewayheld000000000000000', 'gateway', 40],
      ] as const;
      for (const [id, channel, age] of sessions) await store.createSession({ id, channel, startedAt: now - age * DAY });
      await store.setHold({ sessionId: 'gatewayheld000000000000000' }, 'complaint');

      const { retention } = loadConfig(['expire', '--retention', 'proxy=30,kiosk=60,gateway=30'], {});
      assert.deepEqual(await expireSessions(store, retention!, now), { erased: ['proxyold00000000000000000a'], held: ['gatewayheld000000000000000'] });
      const left = (await store.listSessions()).map((s) => s.id).sort();
      assert.deepEqual(left, ['gatewayheld000000000000000', 'kioskold00000000000000000a', 'proxynew00000000000000000a']);

      // A channel --retention leaves out is kept, even with an expired session in it.
      const onlyProxy = loadConfig(['expire', '--retention', 'proxy=10'], {}).retention!;
      assert.deepEqual(await expireSessions(store, onlyProxy, now), { erased: ['proxynew00000000000000000a'], held: [] });
      assert.ok(await store.getSession('kioskold00000000000000000a'));
    } finally {
      await store.close();
    }
  });
});
