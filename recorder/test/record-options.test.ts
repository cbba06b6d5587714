import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordOptions } from '../record-options';

test('canvas drawing is recorded as 2D commands, not as periodic worker snapshots', () => {
  const options = recordOptions(() => undefined, () => true);
  assert.equal(options.recordCanvas, true);
  // A canvas frame rate would make rrweb snapshot canvases from a blob: worker, which page CSPs block.
  assert.equal((options.sampling as { canvas?: unknown }).canvas, undefined);
  assert.equal(options.recordCrossOriginIframes, true);
  assert.equal(options.checkoutEveryNms, 5 * 60_000, 'the top frame checks out every 5 minutes of activity');
  assert.equal(recordOptions(() => undefined, () => true, undefined, false).checkoutEveryNms, undefined, 'a child frame never does');
});

test('input events say whether the customer made them: a value a script sets is not typing', () => {
  assert.equal(recordOptions(() => undefined, () => true).userTriggeredOnInput, true);
});
