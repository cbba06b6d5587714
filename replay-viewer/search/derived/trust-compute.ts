/** One session's trust run, wherever it runs (the trust worker, or in-process): both reports, as search terms. */
import type { ReplayLibrary } from '../../replay/index';
import type { Hit } from '../types';
import { fidelityHits, foreignHits } from './trust-hits';

/** One run's answer: the session's terms and its fidelity score. */
export interface TrustFindings { hits: Hit[]; fidelity: number }

export async function computeTrust(library: ReplayLibrary, sessionId: string): Promise<TrustFindings> {
  const session = await library.session(sessionId);
  const fidelity = await library.fidelity(session);
  const foreign = await library.foreignContent(session);
  return { hits: [...fidelityHits(fidelity, session.startedAt), ...foreignHits(foreign)], fidelity: fidelity.score };
}
