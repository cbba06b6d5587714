/** Hand-built rrweb streams for the struggle tests (the wire format of search's rrweb-wire.ts). */
import type { CapturedResource, EventBatch, RecordedEvent } from '../../../../store/records';
import { createStruggleDetector } from '../detector';
import type { Signal } from '../signal';
import { loadThresholds } from '../thresholds';
export { Tree, full, meta, mutation, add, input, custom, type SNode } from '../../../search/test/extract-fixtures';

export const T0 = 1_700_000_000_000;

const mouse = (timestamp: number, type: number, id: number, x = 100, y = 100): RecordedEvent => ({ type: 3, timestamp, data: { source: 2, type, id, x, y } });
export const click = (at: number, id: number, x = 100, y = 100) => mouse(at, 2, id, x, y);
export const dblclick = (at: number, id: number, x = 100, y = 100) => mouse(at, 4, id, x, y);
export const focus = (at: number, id: number) => mouse(at, 5, id);
export const blur = (at: number, id: number) => mouse(at, 6, id);
export const scroll = (at: number, id: number, y: number): RecordedEvent => ({ type: 3, timestamp: at, data: { source: 3, id, x: 0, y } });
/** One MouseMove event at `at` holding positions [x, offsetMs] (offsets <= 0, as rrweb sends them). */
export const moves = (at: number, points: [number, number][]): RecordedEvent => ({
  type: 3, timestamp: at, data: { source: 1, positions: points.map(([x, timeOffset]) => ({ x, y: 100, id: 1, timeOffset })) },
});
export const hidden = (at: number): RecordedEvent => ({ type: 5, timestamp: at, data: { tag: 'verbatim:page-hidden', payload: {} } });
export const uncaught = (at: number, message = 'boom'): RecordedEvent => ({ type: 5, timestamp: at, data: { tag: 'verbatim:uncaught-error', payload: { message } } });
/** A mouse move far from everything: keeps the recording going past a click's window. */
export const still = (at: number): RecordedEvent => ({ type: 3, timestamp: at, data: { source: 1, positions: [{ x: 5, y: 5, id: 1, timeOffset: 0 }] } });

export function batchOf(events: unknown[], opts: { page?: string; seq?: number; url?: string } = {}): EventBatch {
  return {
    sessionId: 's1', page: { id: opts.page ?? 'p1', url: opts.url ?? 'https://bank.example/transfer' }, seq: opts.seq ?? 0,
    viewport: { width: 1000, height: 800 }, events: events as RecordedEvent[], receivedAt: T0,
  };
}

export function capture(at: number, url: string, status: number, extra: Partial<CapturedResource> = {}): CapturedResource {
  return {
    id: `c${at}`, sessionId: 's1', method: 'GET', url, status, headers: [['content-type', 'application/json']], destination: 'empty',
    startedAt: at, timing: { headersMs: 50, totalMs: 100 }, body: null, ...extra,
  };
}

/** Runs a detector over batches and captures and returns its finished signals. */
export function detect(batches: EventBatch[], captures: CapturedResource[] = [], overrides?: unknown): Signal[] {
  const d = createStruggleDetector(loadThresholds(overrides));
  for (const b of batches) d.batch(b);
  for (const c of captures) d.capture(c);
  return d.finish();
}

export const names = (signals: Signal[]) => signals.map((s) => s.name);
export const only = (signals: Signal[], name: Signal['name']) => signals.filter((s) => s.name === name);
