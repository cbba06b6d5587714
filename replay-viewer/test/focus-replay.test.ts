import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepPointerFocusRingless } from '../ui/focus-replay';

function fakeNode(parent?: { contains(n: unknown): boolean }) {
  const node = {
    focused: [] as unknown[],
    contains(n: unknown): boolean {
      return n === node || (parent !== undefined && false) || (n as { parentNode?: unknown })?.parentNode === node;
    },
    focus(opts: unknown) {
      node.focused.push(opts);
    },
  };
  return node;
}

function emitter() {
  const handlers: ((p: unknown) => void)[] = [];
  return { on: (_e: string, h: (p: unknown) => void) => handlers.push(h), emit: (p: unknown) => handlers.forEach((h) => h(p)) };
}

test('an element focused by a mouse press is focused without a focus ring first', () => {
  const e = emitter();
  keepPointerFocusRingless(e);
  const link = fakeNode();
  const inner = { parentNode: link, contains: (n: unknown) => n === inner };
  e.emit({ type: 1, target: inner }); // mousedown on a span inside the link
  e.emit({ type: 5, target: link }); // the link gets focus
  assert.deepEqual(link.focused, [{ preventScroll: true, focusVisible: false }]);
});

test('keyboard focus (no press on the element) is left to rrweb, ring included', () => {
  const e = emitter();
  keepPointerFocusRingless(e);
  const other = fakeNode();
  const field = fakeNode();
  e.emit({ type: 1, target: other });
  e.emit({ type: 5, target: field });
  assert.deepEqual(field.focused, []);
});
