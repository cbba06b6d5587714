/**
 * `verbatim start` on a data directory that already exists with world-readable
 * modes (made by hand, by an older version, restored from a backup): at start the
 * directory and everything in it is owner-only, and so is what it writes afterwards.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { AccountStore, AuditLog } from '../replay-viewer/auth/index';
import { writeFile } from 'node:fs/promises';
import { TerminalRegistry } from '../proxy/collector/terminals';
import { openStore } from '../store/index';

const root = path.resolve(import.meta.dirname, '..');

async function walk(target: string, out: { path: string; mode: number; dir: boolean }[] = []): Promise<typeof out> {
  const info = await lstat(target);
  out.push({ path: target, mode: info.mode & 0o777, dir: info.isDirectory() });
  if (info.isDirectory()) for (const name of await readdir(target)) await walk(path.join(target, name), out);
  return out;
}

it('tightens an existing 0755 data directory and its 0644 files to 0700 / 0600 at start', async () => {
  const parent = await mkdtemp(path.join(tmpdir(), 'verbatim-datadir-'));
  const data = path.join(parent, 'data');
  try {
    // What an earlier run left: store, signing keys, accounts, terminals, audit trail, customer index.
    const store = await openStore(path.join(data, 'store'), { integrity: { keysDir: path.join(data, 'keys'), sealIntervalMs: 0 } });
    await store.createSession({ id: 'f2hx7k4m5n6p7r8s9t2v3w4x5y', channel: 'proxy', startedAt: Date.now() });
    await store.close();
    await (await AccountStore.open(path.join(data, 'viewer-accounts.json'))).add('admin', 'admin', 'a long enough password');
    await (await AuditLog.open(path.join(data, 'audit.log'))).append({ actor: 'cli', action: 'config', outcome: 'ok' });
    await new TerminalRegistry(path.join(data, 'terminals.json')).add('kiosk-1');
    // The customer index of earlier versions (moved into the store, sealed, at start).
    await writeFile(path.join(data, 'customers.jsonl'), `${JSON.stringify({ sessionId: 'f2hx7k4m5n6p7r8s9t2v3w4x5y', customerId: 'C-1', source: 'test', at: 1 })}\n`);
    for (const f of await walk(data)) await chmod(f.path, f.dir ? 0o755 : 0o644);

    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'start', '--data', data, '--proxy-port', '0', '--viewer-port', '0'], { cwd: root, env });
    let output = '';
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`verbatim start did not come up: ${output}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          if (output.includes('Verbatim is recording.')) { clearTimeout(timer); resolve(); }
        });
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`verbatim start exited ${code}: ${output}`)); });
      });
      const wrong = (await walk(data)).filter((f) => f.mode !== (f.dir ? 0o700 : 0o600)).map((f) => `${path.relative(data, f.path) || '.'} ${f.mode.toString(8)}`);
      assert.deepEqual(wrong, [], 'every directory 0700, every file 0600');
      const written = (await walk(data)).filter((f) => !f.dir).map((f) => path.relative(data, f.path));
      assert.ok(!written.includes('customers.jsonl'), 'the old customer index moved into the store');
      for (const name of ['viewer-accounts.json', 'audit.log', 'terminals.json', 'ca/verbatim-ca.key', 'ca/verbatim-ca.pem']) {
        assert.ok(written.includes(name), `${name} is there (${written.join(', ')})`);
      }
      assert.ok(written.some((w) => w.startsWith('keys/')) && written.some((w) => w.startsWith('store/')));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
