/**
 * How far to trust a replay: for every resource the replay loads, where the archive finds it, and what the
 * recording could not hold. A replay served entirely from its own session's captures, with nothing the recorder
 * left out, is the strongest evidence; one that borrows a stylesheet from another customer's session, matches a
 * URL only loosely, or lacks a font is weaker, and says so before anyone relies on it.
 *
 * Resources are the archive URLs the event rewriter reports (rewrite-events.ts `onResource`: images, stylesheets,
 * fonts, media, CSS `url()`s, not links the replay only keeps), plus the `url()`s inside every stylesheet the
 * archive serves (fonts and background images load from there), resolved exactly as the archive route resolves
 * them. Another session is never named: only that the capture was someone else's, and how far apart in time.
 *
 * Weights (published in docs/FIDELITY.md): own 1, borrowed within a day 0.9, borrowed earlier or later 0.7,
 * loose (cache-buster or same-path) match 0.5, missing 0. The score is their mean × 100, minus 5 per kind of
 * loss present (blocked elements, frames not recorded, partial captures), floored at 0; with no resource at all
 * it is 100 less those. Masked text and blank canvases are reported, not penalised: masking is the bank's policy,
 * and a canvas without pixels is usually one nothing was drawn on.
 */
import type { RecordedEvent, Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { parseArchiveTarget, type ArchiveTarget } from './archive-url';
import { CaptureResolver } from './capture-resolver';
import { PENALISED_LIMITS, recordingLimits, type RecordingLimits } from './recording-limits';

/**
 * `unused`: an optional resource (a CSS `url()`, a srcset candidate, a lazy image) that no session ever captured:
 * most likely the page never needed it (a rule that matched nothing, an image never scrolled into view), so it is
 * listed but not scored. A required one that is absent is `missing`.
 */
export type ResourceSource = 'own' | 'borrowed' | 'loose' | 'missing' | 'unused';

export interface FidelityItem {
  url: string;
  source: ResourceSource;
  /** Epoch ms the replay asks for it (the event that carries it). */
  at: number;
  /** borrowed: |capture time − asked time|. */
  distanceMs?: number;
  /** loose: the URL of the capture that stood in. */
  matchedUrl?: string;
  /** The capture kept only part of the body (cap, aborted upstream, undecodable). */
  truncated?: boolean;
}

export interface FidelityReport {
  /** 0–100 (weights above). */
  score: number;
  /** Every resource from this session's own captures, none partial, nothing the recorder left out. */
  full: boolean;
  /** `total` counts the scored resources (all but `unused`). */
  counts: Record<ResourceSource, number> & { total: number; truncated: number };
  /** Every resource not served from this session's own, whole capture: what a reader must know first. */
  concerns: FidelityItem[];
  /** Optional resources nobody captured (not scored; at most MAX_LISTED). */
  unused: FidelityItem[];
  limits: RecordingLimits;
  /** More distinct resources than MAX_RESOURCES: the rest were not checked. */
  capped?: boolean;
}

export const FIDELITY_WEIGHTS = { own: 1, borrowedNear: 0.9, borrowedFar: 0.7, loose: 0.5, missing: 0, limitPenalty: 5 } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_RESOURCES = 5_000;
const MAX_LISTED = 500;
/** Resolutions in flight at once. */
const CONCURRENCY = 8;
const ARCHIVE_IN_CSS = /\/archive\/[A-Za-z0-9_-]{1,128}\/\d{1,15}\/https?:\/\/[^\s"'()]+/g;

export interface FidelityInputs {
  store: VerbatimStore;
  resolver: CaptureResolver;
  session: Session;
  trackCount: number;
  /** Rewrites one track's events, reporting each loaded archive URL. */
  rewrite: (track: number, onResource: (archiveUrl: string, optional: boolean) => void) => Promise<RecordedEvent[]>;
  /** The archive's rewritten stylesheet body for a target, or undefined when it is not a stylesheet. */
  stylesheet: (target: ArchiveTarget) => Promise<string | undefined>;
}

export async function fidelityReport(inputs: FidelityInputs): Promise<FidelityReport> {
  const { session } = inputs;
  const targets = new Map<string, Wanted>();
  let capped = false;
  const add = (archiveUrl: string, optional: boolean): void => {
    const target = parseArchiveTarget(archiveUrl);
    if (!target || target.sessionId !== session.id) return;
    const known = targets.get(target.url);
    if (known) known.optional &&= optional; // required anywhere: required
    else if (targets.size >= MAX_RESOURCES) capped = true;
    else targets.set(target.url, { ...target, optional });
  };
  const events: RecordedEvent[] = [];
  for (let track = 0; track < inputs.trackCount; track++) events.push(...(await inputs.rewrite(track, add)));

  const items: FidelityItem[] = [];
  const seen = new Set<string>();
  let queue: Wanted[] = [...targets.values()];
  // Stylesheets add what they load (fonts, backgrounds, @imports): two more rounds reach nested imports.
  for (let round = 0; round < 3 && queue.length; round++) {
    const next: Wanted[] = [];
    for (const t of queue) seen.add(t.url);
    await mapLimited(queue, CONCURRENCY, async (target) => {
      const item = await classify(inputs, target);
      items.push(item);
      if (item.source === 'missing' || item.source === 'unused') return;
      const css = await inputs.stylesheet(target);
      for (const m of css?.matchAll(ARCHIVE_IN_CSS) ?? []) {
        const nested = parseArchiveTarget(m[0]);
        if (!nested || nested.sessionId !== session.id || seen.has(nested.url) || next.some((n) => n.url === nested.url)) continue;
        if (seen.size + next.length >= MAX_RESOURCES) capped = true;
        else next.push({ ...nested, optional: true });
      }
    });
    queue = next;
  }
  items.sort((a, b) => a.at - b.at || a.url.localeCompare(b.url));
  const limits = recordingLimits(events);
  return summarise(items, limits, capped);
}

interface Wanted extends ArchiveTarget { optional: boolean }

async function classify(inputs: FidelityInputs, target: Wanted): Promise<FidelityItem> {
  const base = { url: target.url, at: target.ts };
  const found = await inputs.resolver.resolve(target);
  if (!found) return { ...base, source: target.optional ? 'unused' : 'missing' };
  const { capture, match } = found;
  if (capture.body && !(await inputs.store.hasBlob(capture.body.digest, capture.body.sealed ? capture.sessionId : undefined))) {
    return { ...base, source: 'missing' };
  }
  const truncated = capture.body?.truncated === true || capture.incomplete !== undefined ? { truncated: true } : {};
  if (!match.startsWith('exact')) return { ...base, source: 'loose', matchedUrl: capture.url, ...truncated };
  if (capture.sessionId !== target.sessionId) return { ...base, source: 'borrowed', distanceMs: Math.abs(capture.startedAt - target.ts), ...truncated };
  return { ...base, source: 'own', ...truncated };
}

function summarise(items: FidelityItem[], limits: RecordingLimits, capped: boolean): FidelityReport {
  const counts = { own: 0, borrowed: 0, loose: 0, missing: 0, unused: 0, total: 0, truncated: 0 };
  let sum = 0;
  for (const item of items) {
    counts[item.source] += 1;
    if (item.source === 'unused') continue;
    counts.total += 1;
    if (item.truncated) counts.truncated += 1;
    sum += weight(item);
  }
  const limitKinds = PENALISED_LIMITS.filter((k) => limits[k] > 0).length + (counts.truncated > 0 ? 1 : 0);
  const mean = counts.total ? sum / counts.total : 1;
  const score = Math.max(0, Math.round(mean * 100) - FIDELITY_WEIGHTS.limitPenalty * limitKinds);
  const concerns = items.filter((i) => (i.source !== 'own' && i.source !== 'unused') || i.truncated);
  const unused = items.filter((i) => i.source === 'unused');
  return {
    score,
    full: concerns.length === 0 && limitKinds === 0 && !capped,
    counts,
    concerns,
    unused: unused.slice(0, MAX_LISTED),
    limits,
    ...(capped ? { capped: true } : {}),
  };
}

function weight(item: FidelityItem): number {
  switch (item.source) {
    case 'own': return FIDELITY_WEIGHTS.own;
    case 'borrowed': return (item.distanceMs ?? 0) <= DAY_MS ? FIDELITY_WEIGHTS.borrowedNear : FIDELITY_WEIGHTS.borrowedFar;
    case 'loose': return FIDELITY_WEIGHTS.loose;
    case 'missing': case 'unused': return FIDELITY_WEIGHTS.missing;
  }
}

async function mapLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

