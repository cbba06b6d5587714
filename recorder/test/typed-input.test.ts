import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordedLike } from '../style-events';
import { createInputThrottle } from '../typed-input';

const input = (id: number, text: string, timestamp: number): RecordedLike => ({ type: 3, timestamp, data: { source: 5, id, text, isChecked: false } });
const click = (timestamp: number): RecordedLike => ({ type: 3, timestamp, data: { source: 2, type: 2, id: 1 } });
const texts = (events: RecordedLike[]) => events.map((e) => (e.data as { text?: string }).text ?? `type${e.type}`);

test('keeps only the latest value per field until the interval ends, in time order', async () => {
  const out: RecordedLike[] = [];
  const throttle = createInputThrottle((e) => out.push(e), 30);
  throttle.push(input(7, 'a', 1));
  throttle.push(input(8, 'x', 2));
  throttle.push(input(7, 'ab', 3));
  assert.equal(out.length, 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(texts(out), ['x', 'ab']);
  assert.deepEqual(out.map((e) => e.timestamp), [2, 3]);
});

test('sends waiting values ahead of any other event, and on flush()', () => {
  const out: RecordedLike[] = [];
  const throttle = createInputThrottle((e) => out.push(e), 10_000);
  throttle.push(input(7, 'typed', 1));
  throttle.push(click(2));
  throttle.push(input(7, 'typed more', 3));
  throttle.flush();
  throttle.flush();
  assert.deepEqual(texts(out), ['typed', 'type3', 'typed more']);
});

test('drops a value rrweb could not attach to a recorded field (id -1)', () => {
  const out: RecordedLike[] = [];
  const throttle = createInputThrottle((e) => out.push(e), 10_000);
  throttle.push(input(-1, 'inside a blocked element', 1));
  throttle.flush();
  assert.deepEqual(out, []);
});

test('a value typed then rewritten by a script within the interval is sent once, still as typed', () => {
  const out: RecordedLike[] = [];
  const throttle = createInputThrottle((e) => out.push(e), 10_000);
  const typed = (text: string, userTriggered: boolean, timestamp: number): RecordedLike => ({ type: 3, timestamp, data: { source: 5, id: 7, text, isChecked: false, userTriggered } });
  throttle.push(typed('1234', true, 1));
  throttle.push(typed('1,234', false, 2));
  throttle.push({ type: 3, timestamp: 3, data: { source: 5, id: 8, text: 'prefilled', isChecked: false, userTriggered: false } });
  throttle.flush();
  assert.deepEqual(out.map((e) => [(e.data as { text: string }).text, (e.data as { userTriggered: boolean }).userTriggered]), [['1,234', true], ['prefilled', false]]);
});
