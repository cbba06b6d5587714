/**
 * Who is signed in, in the top bar, with a sign-out button (and the audit trail
 * and administration links for auditors and admins, Reviews for whoever may read them). Nothing shows in open mode (no accounts on loopback).
 */
import { h } from './dom';
import { may, whoAmI } from './me';

export async function renderAccountBar(): Promise<void> {
  const bar = document.querySelector('.topbar');
  const me = await whoAmI();
  if (!bar || !me || me.open) return; // no access layer, or open mode
  const signOut = h('button', { class: 'button small', type: 'button', onclick: async () => {
    await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-verbatim-csrf': me.csrf ?? '' } }).catch(() => undefined);
    location.assign('/signin');
  } }, 'Sign out');
  bar.append(h('span', { class: 'account' },
    `${me.user} (${me.role ?? ''}) `,
    may(me, 'users.manage') ? h('a', { href: '/admin' }, 'Administration ') : null,
    may(me, 'audit.read') ? h('a', { href: '/audit' }, 'Audit trail ') : null,
    may(me, 'reviews.read') ? h('a', { href: '/reviews' }, 'Reviews ') : null,
    may(me, 'analytics.read') ? h('a', { href: '/analytics/funnels' }, 'Analytics ') : null,
    signOut));
}
