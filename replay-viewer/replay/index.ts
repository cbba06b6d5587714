/**
 * The replay library: the read model of a replay, over a VerbatimStore, with no
 * HTTP in it. The viewer's routes (api-routes.ts, archive-route.ts) and the
 * evidence exporter (scripts/export/) both call it:
 *   - sessionEvents   one tab's rrweb events, URLs archived, markup neutralised
 *   - networkLog      HTTP captures and WebSocket messages
 *   - resource        what /archive/<session>/<ts>/<url> answers (capture resolution,
 *                     fuzzy match, stylesheet rewriting)
 *   - fidelity        how far to trust the replay: where each resource comes from, what was not recorded
 *   - foreignContent  what the page showed that no response the servers sent explains (foreign-content/)
 */
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import type { ArchiveTarget } from './archive-url';
import { archivedResponse, type ArchivedResponse, type ArchivedResponseOptions } from './archived-response';
import { CaptureResolver } from './capture-resolver';
import { fidelityReport, type FidelityReport } from './fidelity';
import { detectForeignContent, siteEvidence, type ForeignContentReport } from './foreign-content/index';
import { rewriteEvents } from './rewrite-events';
import { groupTracks, trackEvents } from './tab-tracks';
import { sitesOf, toApiWebSocketMessage, type ApiNetworkLog } from './network-log';
import { sessionEvents, type SessionEvents, type TrackChoice } from './session-events';

export { ARCHIVE_PREFIX, isValidSessionId, parseArchiveTarget, toArchiveUrl, type ArchiveTarget } from './archive-url';
export type { ArchivedResponse } from './archived-response';
export type { ApiNetworkLog, ApiWebSocketMessage } from './network-log';
export type { SessionEvents, TrackChoice } from './session-events';
export type { FidelityItem, FidelityReport, ResourceSource } from './fidelity';
export type { RecordingLimits } from './recording-limits';
export { FIDELITY_WEIGHTS } from './fidelity';
export { FOREIGN_REASONS, type ForeignContentReport, type ForeignFlag, type ForeignReason } from './foreign-content/index';
export type { TabTrack } from './tab-tracks';

/** An archive miss: nothing to serve, and why (`no-capture` or `blob-missing`). */
export interface ArchiveMiss {
  miss: 'no-capture' | 'blob-missing';
  message: string;
}

export class ReplayLibrary {
  private readonly resolver: CaptureResolver;

  constructor(private readonly store: VerbatimStore) {
    this.resolver = new CaptureResolver(store);
  }

  /** The session, or SESSION_UNKNOWN. */
  async session(sessionId: string): Promise<Session> {
    const session = await this.store.getSession(sessionId);
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId });
    return session;
  }

  async sessionEvents(session: Session, choice: TrackChoice = {}): Promise<SessionEvents> {
    return sessionEvents(session, await this.store.readEvents(session.id), choice);
  }

  async networkLog(sessionId: string): Promise<ApiNetworkLog> {
    const [captures, messages, session] = await Promise.all([
      this.store.listCaptures(sessionId), this.store.listWebSocketMessages(sessionId), this.store.getSession(sessionId),
    ]);
    const firstPage = session?.pages[0]?.url;
    const sites = sitesOf([...(firstPage ? [firstPage] : []), ...captures.map((c) => c.url), ...messages.map((m) => m.url)]);
    const site = firstPage ? Object.values(sitesOf([firstPage]))[0] : undefined;
    return {
      captures: [...captures].sort((a, b) => a.startedAt - b.startedAt), webSockets: messages.map(toApiWebSocketMessage),
      sites, ...(site ? { site } : {}),
    };
  }

  /** Where every resource of the replay comes from and what the recording could not hold (fidelity.ts). */
  async fidelity(session: Session): Promise<FidelityReport> {
    const batches = await this.store.readEvents(session.id);
    const tracks = groupTracks(batches);
    return fidelityReport({
      store: this.store,
      resolver: this.resolver,
      session,
      trackCount: tracks.length,
      rewrite: async (track, onResource) => {
        const firstPage = tracks[track]?.pageIds[0];
        const pageUrl = batches.find((b) => b.page.id === firstPage)?.page.url ?? session.pages[0]?.url;
        return rewriteEvents(trackEvents(tracks, batches, track), { sessionId: session.id, pageUrl, onResource });
      },
      stylesheet: async (target) => {
        const found = await this.resolver.resolve(target);
        const type = found?.capture.headers.find(([n]) => n === 'content-type')?.[1] ?? '';
        if (!found || !/^text\/css\b/i.test(type.trim())) return undefined;
        const served = await this.resource(target);
        return isMiss(served) ? undefined : served.body.toString('utf8');
      },
    });
  }

  /** Elements, text, scripts, frames and forms the page showed that no captured response explains (foreign-content/). */
  async foreignContent(session: Session): Promise<ForeignContentReport> {
    const batches = await this.store.readEvents(session.id);
    return detectForeignContent(batches, await siteEvidence(this.store, session.id, batches));
  }

  /**
   * A stylesheet as the archive serves it, for a keyframe to inline (keyframe/inline-stylesheets.ts): its text; null
   * when a browser would apply nothing (the archive's 404, a status that is not ok); undefined for anything else.
   */
  async stylesheetText(target: ArchiveTarget): Promise<string | null | undefined> {
    const served = await this.resource(target);
    if (isMiss(served)) return null;
    if (served.status < 200 || served.status >= 300) return null;
    return isServedCss(served) ? served.body.toString('utf8') : undefined;
  }

  /** What the archive serves for a target; SESSION_UNKNOWN for a session that does not exist. */
  async resource(target: ArchiveTarget, options: ArchivedResponseOptions = {}): Promise<ArchivedResponse | ArchiveMiss> {
    const found = await this.resolver.resolve(target);
    if (!found) {
      return { miss: 'no-capture', message: `Not in the archive: no capture of ${target.url} exists (session ${target.sessionId}, at ${target.ts}).` };
    }
    const { capture, match } = found;
    let bytes: Uint8Array = new Uint8Array(0);
    if (capture.body) {
      const stored = await this.store.getBlob(capture.body.digest, capture.body.sealed ? capture.sessionId : undefined);
      if (!stored) {
        return { miss: 'blob-missing', message: `Not in the archive: the body of ${target.url} (capture ${capture.id}) is missing from the store.` };
      }
      bytes = stored;
    }
    return archivedResponse(target, capture, bytes, match, options);
  }
}

/** Served as CSS the archive decoded and rewrote (archived-response.ts). */
function isServedCss(served: ArchivedResponse): boolean {
  const type = served.headers.find(([n]) => n === 'content-type')?.[1] ?? '';
  return !served.encodings.length && /^text\/css\b/i.test(type.trim());
}

export function isMiss(result: ArchivedResponse | ArchiveMiss): result is ArchiveMiss {
  return 'miss' in result;
}
