/**
 * A document whose cookie names a session the store could not take (its record missing after an outage) is answered
 * at once with a new session: the page never waits for that record to be written. In the PostgreSQL-restart drill a
 * page waited 9.5 s here, for the write of the record once the database was back.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SessionTracker } from '../sessions';
import { SessionTokens } from '../session-tokens';
import { SESSION_COOKIE } from '../http-headers';
import type { IngestPipeline } from '../ingest/pipeline';

/** The pipeline as the tracker sees it mid-outage: `stuck` has no record, and writing it never finishes. */
function stalledIngest(stuck: Set<string>): { ingest: IngestPipeline; readyCalls: string[] } {
  const readyCalls: string[] = [];
  const never = new Promise<never>(() => {});
  const ingest = {
    isUnrecorded: (id: string) => stuck.has(id),
    isUnusable: () => false,
    ready: (id: string) => { readyCalls.push(id); return never; },
    startSession: () => never,
    store: { supports: { multiWriter: false }, getSession: () => never, getTombstone: () => never },
  } as unknown as IngestPipeline;
  return { ingest, readyCalls };
}

function documentRequest(cookie?: string): IncomingMessage {
  return { headers: { accept: 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', ...(cookie ? { cookie } : {}) } } as unknown as IncomingMessage;
}

describe('a session whose record is missing', () => {
  it('is not handed out, and the document does not wait for its record to be written', async () => {
    const stuck = new Set<string>();
    const { ingest, readyCalls } = stalledIngest(stuck);
    const tokens = new SessionTokens(randomBytes(32));
    const tracker = new SessionTracker(ingest, tokens, 60_000, 'proxy');
    const first = await tracker.forDocument(documentRequest(), '127.0.0.1');
    assert.equal(first.isNew, true);
    // The store could not take the first session's record (the database went away).
    stuck.add(first.sessionId);
    const timeout = new Promise<'waited'>((r) => setTimeout(() => r('waited'), 1_000));
    const next = await Promise.race([tracker.forDocument(documentRequest(`${SESSION_COOKIE}=${first.token}`), '127.0.0.1'), timeout]);
    if (next === 'waited') assert.fail('the document waited for the missing record');
    assert.equal(next.isNew, true);
    assert.notEqual(next.sessionId, first.sessionId);
    // Its record is still written beside the request, once the store can take it.
    assert.deepEqual(readyCalls, [first.sessionId]);
  });
});
