/**
 * The player's fidelity badge (GET /api/sessions/<id>/fidelity): the score, and on demand the breakdown (own,
 * borrowed, loosely matched, missing resources; what the recording could not hold) with every resource that was
 * not this session's own, whole capture. A replay that is not full fidelity says so in words beside the score,
 * so nobody relies on it without knowing.
 */
import type { FidelityItem, FidelityReport } from '../replay/fidelity';
import type { RecordingLimits } from '../replay/recording-limits';
import { getFidelity } from './api';
import { h } from './dom';

const SOURCE_TEXT: Record<FidelityItem['source'], string> = {
  own: 'own capture',
  borrowed: "another session's capture",
  loose: 'a loose URL match',
  missing: 'missing from the archive',
  unused: 'not captured by any session (probably never needed)',
};

const LIMIT_TEXT: Record<keyof RecordingLimits, string> = {
  blockedElements: 'blocked from recording (drawn as empty boxes)',
  framesNotRecorded: 'frames whose content was not recorded',
  maskedElements: 'elements with text masked by policy',
  canvasesWithoutPixels: 'canvases with no recorded pixels',
};

export function fidelityBadge(sessionId: string): HTMLElement {
  const summary = h('summary', { class: 'fidelity-summary' }, 'Fidelity …');
  const body = h('div', { class: 'fidelity-body' });
  const el = h('details', { class: 'fidelity-badge', 'data-fidelity': 'loading' }, summary, body);
  getFidelity(sessionId).then((report) => show(el, summary, body, report), (err: Error) => {
    el.dataset.fidelity = 'unknown';
    summary.textContent = 'Fidelity unknown';
    body.replaceChildren(h('p', {}, `Could not check this replay's resources: ${err.message}`));
  });
  return el;
}

function show(el: HTMLElement, summary: HTMLElement, body: HTMLElement, report: FidelityReport): void {
  const level = report.full ? 'full' : report.counts.missing > 0 ? 'missing' : 'partial';
  el.dataset.fidelity = level;
  el.dataset.score = String(report.score);
  summary.replaceChildren(
    h('span', { class: 'fidelity-score' }, `Fidelity ${report.score}`),
    h('span', { class: 'fidelity-verdict' }, report.full ? ' · all from this session'
      : report.counts.missing > 0 ? ` · ${report.counts.missing} missing` : ' · not all from this session'),
  );
  const c = report.counts;
  const limits = (Object.keys(LIMIT_TEXT) as (keyof RecordingLimits)[]).filter((k) => report.limits[k] > 0);
  body.replaceChildren(
    h('p', { class: 'fidelity-counts' },
      `${c.total} resources: ${c.own} own, ${c.borrowed} borrowed, ${c.loose} loosely matched, ${c.missing} missing`
      + (c.truncated ? `, ${c.truncated} only partly captured` : '') + (report.capped ? ' (only the first 5,000 checked)' : '') + '.'
      + (c.unused ? ` ${c.unused} optional (CSS, srcset or lazy) never captured by any session, not scored.` : '')),
    limits.length ? h('ul', { class: 'fidelity-limits', 'aria-label': 'Not recorded' },
      ...limits.map((k) => h('li', { 'data-limit': k }, `${report.limits[k]} ${LIMIT_TEXT[k]}`))) : h('p', {}, 'Nothing was left out of the recording.'),
    report.concerns.length ? h('ul', { class: 'fidelity-concerns', 'aria-label': 'Resources not from this session' },
      ...report.concerns.slice(0, 200).map((item) => h('li', { 'data-source': item.source },
        h('span', { class: 'fidelity-url' }, item.url), ` — ${describe(item)}`))) : h('p', {}, 'Every resource is this session\'s own, whole capture.'),
  );
}

function describe(item: FidelityItem): string {
  let text = SOURCE_TEXT[item.source];
  if (item.source === 'borrowed' && item.distanceMs !== undefined) text += `, ${distance(item.distanceMs)} apart`;
  if (item.source === 'loose' && item.matchedUrl) text += ` (${item.matchedUrl})`;
  if (item.truncated) text += ', only partly captured';
  return text;
}

function distance(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}
