/**
 * The session's facts in the player header: one line (duration, browser, device, channel) and the full list on
 * demand in a disclosure that floats over the replay, so the facts never push the replay down.
 */
import type { ApiSession } from './api';
import { h } from './dom';
import { formatDuration } from './format';
import { pageContextFacts } from './page-context';

export function sessionFacts(session: ApiSession, viewport: { width: number; height: number }): HTMLElement {
  const browser = [session.browser, session.os].filter(Boolean).join(' · ') || 'Unknown browser';
  const summary = [formatDuration(session.durationMs), browser, session.deviceType, session.channel].filter(Boolean).join(' · ');
  return h('details', { class: 'facts-details' },
    h('summary', { class: 'facts-summary', title: 'Show every detail of this session' },
      h('span', { class: 'facts-line' }, summary), h('span', { class: 'facts-more' }, 'Details')),
    h('dl', { class: 'facts' }, ...facts(session, viewport)));
}

function facts(session: ApiSession, viewport: { width: number; height: number }): HTMLElement[] {
  const items: [string, string][] = [
    ['Duration', formatDuration(session.durationMs)],
    ['Browser', [session.browser, session.os].filter(Boolean).join(' · ') || 'Unknown'],
    ['Device', session.deviceType || 'Unknown'],
    ['Viewport', `${session.viewport?.width ?? viewport.width} × ${session.viewport?.height ?? viewport.height}`],
    ['Channel', session.channel],
  ];
  if (session.terminalId) items.push(['Terminal', session.terminalId]);
  // The entry page's context (each PageView keeps its own, sent with its first upload).
  const context = session.pages.find((p) => p.context)?.context;
  if (context) items.push(...pageContextFacts(context));
  items.push(['Session', session.id]);
  return items.map(([k, v]) => h('div', { class: 'fact' }, h('dt', {}, k), h('dd', {}, v)));
}
