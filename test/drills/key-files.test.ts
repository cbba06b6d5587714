/**
 * Session key files (store/integrity/keyring.ts) and a full disk: a session started while the disk is full leaves no
 * damaged key behind, is not handed out again while its record is missing, and records once space is back; a key
 * file left empty (as an older version did on a full disk) is refused, never used to seal, and its session is not
 * handed out again.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStored } from '../helpers/drill-check';
import { DrillClient, DrillLedger } from '../helpers/drill-load';
import { drillBench } from '../helpers/drill-bench';
import { mountSmallDisk } from '../helpers/full-disk';
import { statusOf, verifyDataDir } from '../helpers/verbatim-process';

const bench = drillBench('verbatim-drill-keys-', { traversable: true });
const start = bench.start;

const keyFile = (data: string, sessionId: string): string =>
  path.join(data, 'keys', 'keyring', createHash('sha256').update(sessionId, 'utf8').digest('hex'));

/** Every key file in the keyring: a damaged one (any length but 32) would be sealed with later. */
async function keyLengths(data: string): Promise<Map<string, number>> {
  const keyring = path.join(data, 'keys', 'keyring');
  const out = new Map<string, number>();
  for (const name of await readdir(keyring).catch(() => [] as string[])) out.set(name, (await stat(path.join(keyring, name))).size);
  return out;
}

async function untilWritable(data: string): Promise<void> {
  for (const until = Date.now() + 15_000; (await statusOf(data)).code !== 0;) {
    assert.ok(Date.now() < until, 'the store did not become writable again');
    await sleep(100);
  }
}

describe('drill: session keys and a full disk', () => {
  it('a session started on a full disk leaves no damaged key, is not handed out while unrecorded, and records once space returns', async (t) => {
    const disk = await mountSmallDisk(path.join(bench.dir, 'full'), 16);
    if ('skip' in disk) return t.skip(disk.skip);
    bench.disks.push(disk);
    const data = path.join(disk.dir, 'data');
    let v = await start(data);
    const ledger = new DrillLedger();
    const early = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
    await early.openPage();
    await early.upload();
    assert.equal(ledger.acks.length, 1, 'recording works before the disk fills');

    disk.fill();
    const late = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
    await late.openPage();
    assert.deepEqual(ledger.failedPages, [], 'the page loads although its session cannot be recorded');
    const doomed = late.sessionId!;
    assert.ok(doomed && doomed !== early.sessionId);
    await late.upload();
    const refused = ledger.refusals.find((r) => r.sessionId === doomed);
    assert.ok(refused && refused.status >= 500, `an upload to the unrecorded session gets a 5xx (the recorder retries): ${JSON.stringify(ledger.refusals)}`);
    assert.ok(!ledger.acks.some((a) => a.sessionId === doomed));
    for (const [name, bytes] of await keyLengths(data)) assert.equal(bytes, 32, `key file ${name} is ${bytes} bytes`);
    assert.ok(!(await keyLengths(data)).has(path.basename(keyFile(data, doomed))), 'no key file for the unrecorded session');

    // Its browser keeps the cookie: while the record is missing, the next page gets another session.
    const pageWhileFull = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
    pageWhileFull.adopt(late);
    await pageWhileFull.openPage();
    assert.notEqual(pageWhileFull.sessionId, doomed, 'a session without a record is not handed out again');
    const status = await statusOf(data);
    assert.ok((status.snapshot?.sessions.failed ?? 0) >= 2, status.output);

    // Space returns: the first page's session is recorded from its next upload on (its record is written then).
    disk.free();
    await untilWritable(data);
    await late.upload();
    assert.equal(ledger.acks.at(-1)?.sessionId, doomed, 'the session started during the outage records once the store is writable');
    for (const [name, bytes] of await keyLengths(data)) assert.equal(bytes, 32, `key file ${name} is ${bytes} bytes`);
    assert.equal((await keyLengths(data)).get(path.basename(keyFile(data, doomed))), 32, 'its key was written whole');
    await late.openPage();
    assert.equal(late.sessionId, doomed, 'now that its record exists, it continues');

    assert.equal((await v.stop()).code, 0, v.stderr());
    v = await start(data);
    const stored = await readStored(v.viewerUrl, [doomed, early.sessionId!]);
    assert.equal(stored.get(doomed)?.exists, true);
    for (const a of ledger.acks) assert.ok(stored.get(a.sessionId)?.markers.has(a.marker), `acknowledged upload ${a.marker} is stored`);
    for (const c of [late, early, pageWhileFull]) c.close();
    assert.equal((await v.stop()).code, 0, v.stderr());
    const verified = await verifyDataDir(data);
    assert.ok(verified.ok, verified.output);
  });

  it('an empty key file is refused, never sealed with, and its session is not handed out again', async () => {
    const data = path.join(bench.dir, 'empty-key');
    let v = await start(data);
    const ledger = new DrillLedger();
    const client = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
    await client.openPage();
    await client.upload();
    await client.upload();
    const damaged = client.sessionId!;
    assert.equal(ledger.acks.length, 2);
    assert.equal((await v.stop()).code, 0, v.stderr());

    // What a disk that filled up half-way through writing a key used to leave.
    const file = keyFile(data, damaged);
    const original = await readFile(file);
    assert.equal(original.length, 32);
    await writeFile(file, Buffer.alloc(0));

    v = await start(data);
    client.useProxy(v.proxyUrl);
    await client.upload();
    const refusal = ledger.refusals.at(-1);
    assert.ok(refusal && refusal.sessionId === damaged && refusal.status >= 500, `upload with a damaged key refused with a 5xx: ${JSON.stringify(refusal)}`);
    assert.equal(ledger.acks.length, 2, 'nothing acknowledged for the damaged session');
    assert.equal((await stat(file)).size, 0, 'the damaged key is neither replaced nor used');

    await client.openPage();
    assert.notEqual(client.sessionId, damaged, 'the session with the damaged key is not handed out again');
    await client.upload();
    assert.equal(ledger.acks.at(-1)?.sessionId, client.sessionId, 'the new session records');
    assert.equal((await v.stop()).code, 0, v.stderr());

    // With its key back, the damaged session holds exactly what was acknowledged before: nothing was sealed without it.
    await writeFile(file, original);
    v = await start(data);
    const stored = await readStored(v.viewerUrl, [damaged]);
    assert.deepEqual([...stored.get(damaged)!.markers].sort(), ledger.acks.filter((a) => a.sessionId === damaged).map((a) => a.marker).sort());
    client.close();
    assert.equal((await v.stop()).code, 0, v.stderr());
    const verified = await verifyDataDir(data);
    assert.ok(verified.ok, verified.output);
  });
});
