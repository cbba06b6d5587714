/** The first frame's events without what a later event overrides (ui/frame-events.ts). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RecordedEvent } from '../../store/records';
import { settledFrameEvents } from '../ui/frame-events';

const inc = (timestamp: number, data: Record<string, unknown>): RecordedEvent => ({ type: 3, timestamp, data });

it('keeps each node\'s last scroll after the other events, the last pointer move in place, and everything else in order', () => {
  const events: RecordedEvent[] = [
    { type: 4, timestamp: 100, data: { href: 'https://bank.example/', width: 1280, height: 800 } },
    { type: 2, timestamp: 101, data: { node: {} } },
    inc(110, { source: 3, id: 1, x: 0, y: 500 }),
    inc(120, { source: 1, positions: [{ x: 1, y: 1, id: 5, timeOffset: 0 }] }),
    inc(130, { source: 3, id: 7, x: 0, y: 40 }),
    inc(140, { source: 0, adds: [], removes: [], texts: [{ id: 9, value: 'row' }], attributes: [] }),
    inc(150, { source: 3, id: 1, x: 0, y: 1500 }),
    inc(160, { source: 6, positions: [{ x: 2, y: 2, id: 5, timeOffset: 0 }] }),
    inc(170, { source: 5, id: 3, text: '12', isChecked: false }),
    inc(175, { source: 2, type: 2, id: 4, x: 3, y: 3 }),
    { type: 5, timestamp: 180, data: { tag: 'verbatim:console', payload: {} } },
  ];
  const out = settledFrameEvents(events);
  assert.deepEqual(out.map((e) => [e.timestamp, (e.data as { source?: number }).source ?? `type ${e.type}`]), [
    [100, 'type 4'], [101, 'type 2'], [140, 0], [160, 6], [170, 5], [175, 2], [180, 'type 5'],
    // Node 7's only scroll and node 1's last, at the frame's last time so the events stay in time order.
    [180, 3], [180, 3],
  ]);
  assert.deepEqual(out.slice(-2).map((e) => e.data), [{ source: 3, id: 7, x: 0, y: 40 }, { source: 3, id: 1, x: 0, y: 1500 }]);
  // The input is not changed (the player replays the whole session from it).
  assert.equal(events.length, 11);
  assert.equal(events[4]!.timestamp, 130);
});
