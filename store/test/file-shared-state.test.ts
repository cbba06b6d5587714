import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileSharedState } from '../files/file-shared-state';
import { updateDocument } from '../shared-state';

const root = await mkdtemp(join(tmpdir(), 'verbatim-file-shared-'));
let n = 0;
const freshDir = (): string => join(root, `d-${(n += 1)}`);
after(() => rm(root, { recursive: true, force: true }));

/** The embedded store's shared state: files the CLI and a running `verbatim start` (two instances here) both change. */
describe('FileSharedState', () => {
  it('two instances over one directory append with dense unique seqs, counting only what the other added', async () => {
    const dir = freshDir();
    const [a, b] = [new FileSharedState(dir), new FileSharedState(dir)];
    await a.appendLog('audit', (seq) => JSON.stringify({ seq }));
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).appendLog('audit', (seq, last) =>
      JSON.stringify({ seq, after: last ? (JSON.parse(last.entry) as { seq: number }).seq : 0 }))));
    assert.deepEqual(all.map((e) => e.seq).sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 2));
    const lines = (await readFile(join(dir, 'audit.log'), 'utf8')).split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l)), Array.from({ length: 31 }, (_, i) => (i === 0 ? { seq: 1 } : { seq: i + 1, after: i })));
    assert.equal((await stat(join(dir, 'audit.log'))).mode & 0o777, 0o600);
  });

  it('reads a log written before (seq = line number) and keeps a torn last line as a line of its own', async () => {
    const dir = freshDir();
    const s = new FileSharedState(dir);
    await s.appendLog('audit', () => 'first');
    await appendFile(join(dir, 'audit.log'), '{"torn":');
    const e = await new FileSharedState(dir).appendLog('audit', (seq, last) => `${seq} after ${last?.seq}:${last?.entry}`);
    assert.deepEqual(e, { seq: 3, entry: '3 after 2:{"torn":' });
    assert.equal(await readFile(join(dir, 'audit.log'), 'utf8'), 'first\n{"torn":\n3 after 2:{"torn":\n');
    assert.deepEqual((await s.readLog('audit', 2, 5)).map((x) => x.seq), [2, 3]);
  });

  it('keeps a document as plain JSON (0600) and refuses a write on a version another instance replaced', async () => {
    const dir = freshDir();
    const [a, b] = [new FileSharedState(dir), new FileSharedState(dir)];
    const v1 = await a.putDocument('terminals', { version: 1, terminals: [] }, undefined);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'terminals.json'), 'utf8')), { version: 1, terminals: [] });
    assert.equal((await stat(join(dir, 'terminals.json'))).mode & 0o777, 0o600);
    await b.putDocument('terminals', { version: 1, terminals: ['k1'] }, v1);
    await assert.rejects(a.putDocument('terminals', { version: 1, terminals: ['lost'] }, v1), { code: 'VERSION_STALE' });
    // A file edited by hand (or written by an older Verbatim) is read as it is.
    await writeFile(join(dir, 'terminals.json'), '{"version":1,"terminals":["hand"]}');
    await updateDocument(a, 'terminals', (cur) => ({ value: { ...(cur as object), terminals: [...(cur as { terminals: string[] }).terminals, 'k2'] }, result: 0 }));
    assert.deepEqual((await b.getDocument('terminals'))?.value, { version: 1, terminals: ['hand', 'k2'] });
  });
});
