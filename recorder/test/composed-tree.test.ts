import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composedParent, innermostTarget } from '../composed-tree';

/** Just enough of the DOM: an element is nodeType 1, a shadow root nodeType 11 with a host. */
const el = (name: string, parent?: unknown) => ({ name, nodeType: 1, parentNode: parent ?? null, parentElement: (parent as { nodeType?: number })?.nodeType === 1 ? parent : null });

test('a click inside a web component climbs from its inner button through the shadow root to the host and up', () => {
  const body = el('body');
  const host = el('sl-button', body);
  const root = { nodeType: 11, host };
  const button = el('button', root);
  const label = el('span', button);
  const chain: string[] = [];
  for (let n = innermostTarget({ target: host as unknown as EventTarget, composedPath: () => [label, button, root, host, body] as unknown as EventTarget[] }); n; n = composedParent(n)) {
    chain.push((n as unknown as { name: string }).name);
  }
  assert.deepEqual(chain, ['span', 'button', 'sl-button', 'body']);
});

test('without composedPath, or when its first node is not an element, the event target', () => {
  const body = el('body');
  assert.equal(innermostTarget({ target: body as unknown as EventTarget }), body);
  assert.equal(innermostTarget({ target: body as unknown as EventTarget, composedPath: () => [{ nodeType: 3 }] as unknown as EventTarget[] }), body);
  assert.equal(innermostTarget({ target: null }), null);
  assert.equal(composedParent(body as unknown as Element), null, 'the top of the document has no parent');
});
