import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventBatch } from '../../store/records';
import { groupTracks, trackAt, trackEvents } from '../replay/tab-tracks';

const batch = (page: string, seq: number, times: number[]): EventBatch => ({
  sessionId: 's', page: { id: page, url: `https://bank.example/${page}` }, seq, receivedAt: 0,
  events: times.map((timestamp) => ({ type: 3, timestamp })),
});

describe('tab tracks', () => {
  it('chains pages that follow each other into one track (navigation in one tab)', () => {
    const tracks = groupTracks([batch('a', 0, [100, 200]), batch('b', 0, [300, 400]), batch('a', 1, [310])]);
    assert.deepEqual(tracks.map((t) => t.pageIds), [['a', 'b']], 'a pagehide flush within the slack stays in the tab');
  });

  it('puts a page that started while another was recording on its own track (a second tab)', () => {
    const batches = [batch('a', 0, [100, 900]), batch('b', 0, [500, 700]), batch('c', 0, [1000, 1100])];
    const tracks = groupTracks(batches);
    assert.deepEqual(tracks.map((t) => t.pageIds), [['a', 'c'], ['b']]);
    assert.equal(trackAt(tracks, batches, 650), 1, 'tab 2 was the one in use at 650');
    assert.equal(trackAt(tracks, batches, 950), 0);
    assert.deepEqual(trackEvents(tracks, batches, 0).map((e) => e.timestamp), [100, 900, 1000, 1100]);
    assert.deepEqual(trackEvents(tracks, batches, 1).map((e) => e.timestamp), [500, 700]);
  });
});
