/**
 * `/`: each role's home after sign-in. Agents look customers up (agent-home.ts); analysts and compliance officers
 * (and an open viewer, and one without the access layer) get the session list; administrators and auditors a page
 * that leads to their screens (/admin, /audit). The server gates every call these pages make; this only spares a
 * role a page it could not use.
 */
import { h } from './dom';
import { renderAgentHome } from './agent-home';
import { may, whoAmI } from './me';
import { renderSessionList } from './session-list';

export async function renderHome(root: HTMLElement): Promise<void> {
  const me = await whoAmI();
  if (!me || me.open || may(me, 'sessions.list')) return renderSessionList(root);
  if (may(me, 'sessions.byCustomer')) return renderAgentHome(root);
  if (may(me, 'users.manage') || may(me, 'config.manage')) return linkHome(root, 'Administration', 'Users, terminals, retention and masking policy, store health.', '/admin', 'Open the administration screens');
  if (may(me, 'audit.read')) return linkHome(root, 'Audit trail', 'Who searched, replayed, exported or changed what, with the chain\'s integrity.', '/audit', 'Open the audit trail');
  linkHome(root, 'Verbatim', 'Your account has no viewer role that this page serves. Ask an administrator.', undefined, undefined);
}

function linkHome(root: HTMLElement, title: string, text: string, href: string | undefined, label: string | undefined): void {
  document.title = `${title} · Verbatim`;
  document.documentElement.dataset.view = 'role-home';
  root.replaceChildren(h('section', { class: 'list-view role-home' },
    h('div', { class: 'list-head' }, h('h1', {}, title)),
    h('p', {}, text),
    href ? h('p', {}, h('a', { class: 'button', href }, label!)) : null));
}
