/**
 * Who is signed in, in the top bar, with a sign-out button (and the audit trail
 * link for auditors). Nothing shows in open mode (no accounts on loopback).
 */
import { h } from './dom';

interface Me { user: string; role: string | null; open: boolean; csrf: string | null }

export async function renderAccountBar(): Promise<void> {
  const bar = document.querySelector('.topbar');
  if (!bar) return;
  let me: Me;
  try {
    const res = await fetch('/api/me', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) return; // viewer without the access layer
    me = (await res.json()) as Me;
  } catch {
    return;
  }
  if (me.open) return;
  const signOut = h('button', { class: 'button small', type: 'button', onclick: async () => {
    await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-verbatim-csrf': me.csrf ?? '' } }).catch(() => undefined);
    location.assign('/signin');
  } }, 'Sign out');
  bar.append(h('span', { class: 'account' },
    `${me.user} (${me.role ?? ''}) `,
    me.role === 'auditor' ? h('a', { href: '/audit' }, 'Audit trail ') : null,
    signOut));
}
