import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdoptionKeeper, type RecordedLike } from '../style-events';

/** A stand-in for rrweb's mirror: node 1 is the document, 10 and 11 shadow hosts in it. */
function fakeMirror() {
  const doc = { nodeName: '#document' } as unknown as Node;
  const host = (id: number) => ({ nodeName: 'FID-ITEM', id, ownerDocument: doc }) as unknown as Node;
  const nodes = new Map<number, Node>([[1, doc], [10, host(10)], [11, host(11)]]);
  return {
    getNode: (id: number) => nodes.get(id) ?? null,
    getId: (n: Node) => [...nodes].find(([, v]) => v === n)?.[0] ?? -1,
  };
}

const adoption = (id: number, styleIds: number[], styles?: unknown[]): RecordedLike =>
  ({ type: 3, timestamp: 5, data: { source: 15, id, styleIds, ...(styles ? { styles } : {}) } });
const run = (events: RecordedLike[]): RecordedLike[] => {
  const mirror = fakeMirror();
  const keep = createAdoptionKeeper(() => mirror as never);
  const out: RecordedLike[] = [];
  for (const e of events) keep(e, (x) => out.push(x));
  return out;
};

test("a sheet's description goes to the host's document too, restating the document's own adoptions", () => {
  const styles = [{ styleId: 2, rules: [{ rule: '.row{color:red}', index: 0 }] }];
  const out = run([adoption(1, [1], [{ styleId: 1, rules: [] }]), adoption(10, [2], styles), adoption(11, [2])]);
  assert.deepEqual(out.map((e) => e.data), [
    { source: 15, id: 1, styleIds: [1], styles: [{ styleId: 1, rules: [] }] },
    { source: 15, id: 1, styleIds: [1], styles },
    { source: 15, id: 10, styleIds: [2] },
    { source: 15, id: 11, styleIds: [2] },
  ]);
});

test('a host added again (moved) gets its adoption restated after the mutation', () => {
  const mutation: RecordedLike = { type: 3, timestamp: 9, data: { source: 0, adds: [{ parentId: 3, node: { type: 2, id: 10, tagName: 'fid-item' } }, { parentId: 3, node: { type: 2, id: 12 } }], removes: [{ parentId: 3, id: 10 }], texts: [], attributes: [] } };
  const out = run([adoption(10, [2], [{ styleId: 2, rules: [] }]), mutation]);
  assert.deepEqual(out.slice(2).map((e) => [e.timestamp, e.data]), [
    [9, { source: 0, adds: (mutation.data as { adds: unknown }).adds, removes: [{ parentId: 3, id: 10 }], texts: [], attributes: [] }],
    [9, { source: 15, id: 10, styleIds: [2] }],
  ]);
});

test('other events pass untouched, and a failure inside never loses the event', () => {
  const click: RecordedLike = { type: 3, timestamp: 1, data: { source: 2, type: 2, id: 4 } };
  assert.deepEqual(run([click]), [click]);
  const broken = createAdoptionKeeper(() => { throw new Error('no mirror'); });
  const out: RecordedLike[] = [];
  broken(adoption(10, [2], [{ styleId: 2, rules: [] }]), (e) => out.push(e));
  assert.equal(out.length, 1);
});
