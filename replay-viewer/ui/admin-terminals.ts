/**
 * The Terminals section of /admin: enrol a kiosk terminal (its collector token is shown once), revoke one, and see
 * when each was last heard from and the upload queue it last reported (extension → POST /collect/v1/status).
 */
import { enrolTerminal, listTerminals, revokeTerminal, type TerminalView } from './admin-api';
import { feedback, oneTimeSecret } from './admin-feedback';
import { clear, h } from './dom';
import { formatBytes, formatDateTime } from './format';

const when = (t: number | undefined) => (t ? formatDateTime(t) : 'never');

export function terminalsSection(): { el: HTMLElement; refresh(): Promise<void> } {
  const fb = feedback();
  const body = h('div', { class: 'admin-table-wrap' });
  const form: HTMLFormElement = h('form', { class: 'admin-form', 'aria-label': 'Enrol a terminal', onsubmit: async (ev: Event) => {
    ev.preventDefault();
    const id = (form.elements.namedItem('id') as HTMLInputElement).value.trim();
    try {
      const { token } = await enrolTerminal(id);
      form.reset();
      await refresh();
      fb.ok(`Terminal ${id} enrolled. Put its token in the extension's policy as enrolmentToken.`, oneTimeSecret('Collector token', token));
    } catch (err) {
      fb.fail(err);
    }
  } },
  h('label', { for: 'terminal-id' }, 'Terminal id'),
  h('input', { id: 'terminal-id', name: 'id', required: true, autocomplete: 'off', spellcheck: 'false', pattern: '[A-Za-z0-9_.\\-]{1,64}' }),
  h('button', { class: 'button', type: 'submit' }, 'Enrol terminal'));

  const refresh = async (): Promise<void> => {
    try {
      const { terminals } = await listTerminals();
      clear(body);
      body.append(terminals.length ? table(terminals) : h('p', { class: 'muted' }, 'No kiosk terminals enrolled.'));
    } catch (err) {
      fb.fail(err);
    }
  };

  const table = (list: TerminalView[]): HTMLElement => h('table', { class: 'sessions admin-table', 'aria-label': 'Kiosk terminals' },
    h('thead', {}, h('tr', {}, ...['Terminal', 'State', 'Enrolled', 'Last seen', 'Upload queue', 'Last error', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...list.map((t) => h('tr', { 'data-terminal': t.id },
      h('th', { scope: 'row' }, t.id),
      h('td', {}, t.revokedAt ? `revoked ${formatDateTime(t.revokedAt)}` : 'active'),
      h('td', {}, formatDateTime(t.createdAt)),
      h('td', {}, when(t.lastSeenAt)),
      h('td', { class: 'terminal-queue' }, queue(t)),
      h('td', {}, problem(t)),
      h('td', {}, t.revokedAt ? '' : h('button', { class: 'button small subtle danger', type: 'button', 'aria-label': `Revoke terminal ${t.id}`, onclick: async () => {
        if (!confirm(`Revoke terminal ${t.id}? Its uploads are refused from now on.`)) return;
        await fb.run(() => revokeTerminal(t.id), `Terminal ${t.id} revoked.`, refresh);
      } }, 'Revoke'))))));

  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'admin-terminals' },
    h('h2', { id: 'admin-terminals' }, 'Kiosk terminals'), form, fb.el, body);
  return { el, refresh };
}

function queue(t: TerminalView): string {
  if (!t.queue) return 'not reported';
  const q = t.queue;
  const parts = [`${q.items} item${q.items === 1 ? '' : 's'}, ${formatBytes(q.bytes)}`];
  if (q.oldestAt) parts.push(`oldest ${formatDateTime(q.oldestAt)}`);
  if (t.dropped?.items) parts.push(`${t.dropped.items} dropped when full`);
  parts.push(`reported ${when(t.reportedAt)}`);
  return parts.join('; ');
}

function problem(t: TerminalView): string {
  if (t.tokenRefusedAt && (!t.lastSeenAt || t.tokenRefusedAt > t.lastSeenAt)) return `${formatDateTime(t.tokenRefusedAt)}: token refused (re-enrol and update the policy)`;
  const e = t.lastError;
  if (!e) return '—';
  return e.at > (t.lastUploadAt ?? 0) ? `${formatDateTime(e.at)}: ${e.message}` : `resolved: ${e.message}`;
}
