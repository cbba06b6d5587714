/**
 * The console panel: what the recorder keeps of the page's console (recorder/page-errors.ts): console.error calls,
 * uncaught errors and unhandled rejections, each with its stack on demand. The recorder keeps no warnings or logs
 * (they are chatty and may carry personal data), and the panel says so rather than showing an empty "Warnings".
 */
import { CUSTOM_TAGS } from '../../recorder/protocol';
import type { RecordedEvent } from '../../store/records';
import { h } from './dom';
import { formatOffset } from './format';

const CUSTOM = 5;

interface ConsoleEntry { offset: number; level: string; message: string; stack?: string; source?: string }

export function createConsolePanel(events: readonly RecordedEvent[], first: number, onSeek: (offset: number) => void): { button: HTMLButtonElement; panel: HTMLElement } {
  const entries: ConsoleEntry[] = [];
  for (const e of events) {
    const data = e.data as { tag?: unknown; payload?: Record<string, unknown> } | undefined;
    if (e.type !== CUSTOM || !data || (data.tag !== CUSTOM_TAGS.consoleError && data.tag !== CUSTOM_TAGS.uncaughtError)) continue;
    const p = data.payload ?? {};
    const where = typeof p.source === 'string' && p.source ? `${p.source}${typeof p.line === 'number' ? `:${p.line}` : ''}` : undefined;
    entries.push({
      offset: Math.max(0, e.timestamp - first),
      level: data.tag === CUSTOM_TAGS.consoleError ? 'console.error' : p.rejection ? 'Unhandled rejection' : 'Uncaught error',
      message: typeof p.message === 'string' ? p.message : '',
      stack: typeof p.stack === 'string' && p.stack ? p.stack : undefined,
      source: where,
    });
  }
  const note = h('p', { class: 'console-note' }, 'The recorder keeps console.error calls, uncaught errors and unhandled rejections; console warnings and logs are not recorded.');
  const list = entries.length
    ? h('ol', { class: 'console-list' }, ...entries.map((c) => h('li', { class: 'console-entry', 'data-level': c.level },
      h('button', { type: 'button', class: 'console-time', title: 'Show this moment', onclick: () => onSeek(c.offset) }, formatOffset(c.offset)),
      h('span', { class: 'console-level' }, c.level),
      h('span', { class: 'console-message' }, c.message || '(no message)'),
      c.source ? h('span', { class: 'console-source' }, c.source) : null,
      c.stack ? h('details', { class: 'console-stack' }, h('summary', {}, 'Stack'), h('pre', {}, c.stack)) : null)))
    : h('p', { class: 'console-empty' }, 'No errors were recorded in this tab.');
  const panel = h('section', { class: 'dock-panel console-panel', 'aria-label': 'Console', hidden: true }, list, note);
  panel.id = 'console-panel';
  const button = h('button', { type: 'button', 'aria-expanded': 'false' }, `Console (${entries.length})`);
  button.id = 'console-toggle';
  return { button, panel };
}
