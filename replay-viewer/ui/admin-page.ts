/**
 * The administrator's home (`/admin`, users.manage / config.manage, enforced by the server on the page and on every
 * API it calls): users, kiosk terminals, the recording policy and store health, one section each, reached by the
 * links at the top (keyboard: Tab, Enter).
 */
import { policySection } from './admin-policy';
import { storeSection } from './admin-store';
import { terminalsSection } from './admin-terminals';
import { usersSection } from './admin-users';
import { clear, h } from './dom';

export async function renderAdminPage(root: HTMLElement): Promise<void> {
  document.title = 'Administration · Verbatim';
  document.documentElement.dataset.view = 'list';
  const sections = [usersSection(), terminalsSection(), policySection(), storeSection()];
  clear(root);
  root.append(h('section', { class: 'list-view admin-view' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Administration'),
      h('nav', { 'aria-label': 'Administration sections', class: 'admin-nav' },
        h('a', { href: '#admin-users' }, 'Users'), h('a', { href: '#admin-terminals' }, 'Terminals'),
        h('a', { href: '#admin-policy' }, 'Policy'), h('a', { href: '#admin-store' }, 'Store health'), h('a', { href: '/audit' }, 'Audit trail'))),
    ...sections.map((s) => s.el)));
  await Promise.all(sections.map((s) => s.refresh()));
}
