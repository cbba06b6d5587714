import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canvasSnapshotsAsCommands, needsCanvasReplay } from '../ui/canvas-replay';

test('canvas replay is asked for only when the recording drew on a canvas after its snapshot', () => {
  assert.equal(needsCanvasReplay([{ type: 4, data: {} }, { type: 2, data: {} }, { type: 3, data: { source: 0 } }]), false);
  assert.equal(needsCanvasReplay([{ type: 2, data: {} }, { type: 3, data: { source: 9, id: 5, commands: [] } }]), true);
  assert.equal(needsCanvasReplay([{ type: 3 }, { type: 5, data: { source: 9 } }]), false);
});

// 1×1 PNG
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function snapshot(): { type: number; timestamp: number; data: unknown } {
  return {
    type: 2, timestamp: 100,
    data: { node: { type: 0, id: 1, childNodes: [{ type: 2, id: 7, tagName: 'canvas', attributes: { width: '1', rr_dataURL: PIXEL }, childNodes: [] }] } },
  };
}

test('a snapshot\'s canvas pixels become a decoded drawing command right after it, when commands follow', async (t) => {
  if (typeof createImageBitmap !== 'function') {
    t.skip('no createImageBitmap in this runtime (the browser has it)');
    return;
  }
  const later = { type: 3, timestamp: 200, data: { source: 9, id: 7, type: 0, commands: [{ property: 'fillRect', args: [0, 0, 1, 1] }] } };
  const out = await canvasSnapshotsAsCommands([snapshot(), later]);
  assert.equal(out.length, 3);
  assert.equal(out[1]!.timestamp, 100);
  assert.deepEqual((out[1]!.data as { id: number }).id, 7);
  assert.equal(out[2], later);
});

test('without later drawing the snapshot keeps its canvas image untouched', async () => {
  const events = [snapshot(), { type: 3, timestamp: 200, data: { source: 2 } }];
  const out = await canvasSnapshotsAsCommands(events);
  assert.equal(out, events);
  const canvas = ((out[0]!.data as { node: { childNodes: { attributes: Record<string, unknown> }[] } }).node.childNodes[0]!);
  assert.equal(canvas.attributes.rr_dataURL, PIXEL);
});
