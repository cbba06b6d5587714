/** The Policy section of /admin: retention per channel and masking rules in force, read-only, with what sets them. */
import { getPolicy, type PolicyView } from './admin-api';
import { feedback } from './admin-feedback';
import { clear, h } from './dom';

export function policySection(): { el: HTMLElement; refresh(): Promise<void> } {
  const fb = feedback();
  const body = h('div', {});
  const refresh = async (): Promise<void> => {
    try {
      const p = await getPolicy();
      clear(body);
      body.append(view(p));
    } catch (err) {
      fb.fail(err);
    }
  };
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'admin-policy' },
    h('h2', { id: 'admin-policy' }, 'Retention and masking'), fb.el, body);
  return { el, refresh };
}

function view(p: PolicyView): HTMLElement {
  const list = (items: string[]) => (items.length ? items.join(', ') : 'none');
  const m = p.masking;
  const on = (b: boolean) => (b ? 'on' : 'off');
  return h('div', { class: 'admin-policy' },
    h('h3', {}, 'Retention'),
    p.retention.days
      ? h('dl', { class: 'admin-facts' }, ...Object.entries(p.retention.days).flatMap(([channel, days]) => [h('dt', {}, channel), h('dd', {}, `${days} days, then erased (held sessions excepted)`)]))
      : h('p', {}, 'No retention period: sessions are kept until erased by hand.'),
    h('p', { class: 'muted' }, 'Set by ', h('code', {}, p.retention.setBy), '.'),
    h('h3', {}, 'Masking'),
    h('dl', { class: 'admin-facts' },
      h('dt', {}, 'Policy file'), h('dd', {}, h('code', {}, m.file), m.defaults ? ' (absent: built-in defaults)' : ''),
      h('dt', {}, 'Detectors'), h('dd', {}, `card numbers ${on(m.detectors.cards)}, IBANs ${on(m.detectors.ibans)}, security codes ${on(m.detectors.securityCodes)}`),
      h('dt', {}, 'Masked fields'), h('dd', {}, list(m.fields)),
      h('dt', {}, 'Masked input types'), h('dd', {}, list(m.maskInputTypes)),
      h('dt', {}, 'Masked elements'), h('dd', {}, list(m.maskSelectors)),
      h('dt', {}, 'Blocked elements'), h('dd', {}, list(m.blockSelectors)),
      h('dt', {}, 'JSON paths'), h('dd', {}, list(m.jsonPaths)),
      h('dt', {}, 'Patterns'), h('dd', {}, list(m.patterns.map((x) => `${x.name} /${x.regex}/`)))),
    h('p', { class: 'muted' }, 'Set by ', h('code', {}, m.setBy), '.'),
    h('p', { class: 'admin-note' }, p.changes));
}
