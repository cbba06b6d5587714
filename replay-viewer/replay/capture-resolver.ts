/**
 * Which capture answers an archive URL (`/archive/<session>/<ts>/<url>`): this
 * session's capture at or before that time, else the nearest from any session
 * (the browser may have served the asset from its cache, so this session never
 * fetched it), else a cache-buster-tolerant match, and for a bare 304 the body it
 * revalidated. A capture of another session is used only when its body is shared
 * (stylesheets, scripts, fonts, images): a personal body never leaves its session.
 */
import type { CapturedResource } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { VerbatimError } from '../../store/errors';
import type { ArchiveTarget } from './archive-url';
import { FuzzyCaptureFinder } from './fuzzy-capture';

export interface ResolvedCapture {
  capture: CapturedResource;
  /** How it was found: exact, cleaned, session-fuzzy, each possibly `+revalidated`. */
  match: string;
}

export class CaptureResolver {
  private readonly fuzzy: FuzzyCaptureFinder;

  constructor(private readonly store: VerbatimStore) {
    this.fuzzy = new FuzzyCaptureFinder(store);
  }

  /**
   * The capture to replay for a target, or undefined when the archive has none.
   * Throws SESSION_UNKNOWN for a session that does not exist: a made-up session id
   * must not borrow other sessions' captures.
   */
  async resolve(target: ArchiveTarget): Promise<ResolvedCapture | undefined> {
    if (!(await this.store.getSession(target.sessionId))) {
      throw new VerbatimError('SESSION_UNKNOWN', 'No such session', { sessionId: target.sessionId });
    }
    const query = { url: target.url, at: target.ts, sessionId: target.sessionId };
    const usable = (c: CapturedResource | undefined): c is CapturedResource => !!c && mayServe(c, target.sessionId);

    let match = 'exact';
    let capture: CapturedResource | undefined;
    for (const url of urlForms(target.url)) {
      capture = await this.store.findCapture({ ...query, url });
      if (usable(capture)) break;
    }
    if (!usable(capture)) {
      capture = undefined;
      const found = await this.fuzzy.find(query);
      if (found && usable(found.capture)) ({ capture, match } = found);
    }
    if (capture && capture.status === 304 && !(capture.body && capture.body.size > 0)) {
      const full = await this.fuzzy.findWithBody(query);
      if (usable(full)) {
        capture = full;
        match = `${match}+revalidated`;
      }
    }
    return capture ? { capture, match } : undefined;
  }
}

/**
 * The forms a URL may be stored under. Masking writes `•` into URLs as text, while
 * a URL in the events becomes an archive URL through the URL parser, which
 * percent-encodes it: a masked URL is looked up as the masker wrote it too.
 */
function urlForms(url: string): string[] {
  return /%E2%80%A2/i.test(url) ? [url, url.replace(/%E2%80%A2/gi, '•')] : [url];
}

/** A session's own captures always; another session's (or none's) only when its body is not personal. */
export function mayServe(capture: CapturedResource, sessionId: string): boolean {
  if (capture.sessionId === sessionId) return true;
  return !capture.body?.sealed;
}
