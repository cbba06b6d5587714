/**
 * The Users section of /admin: add an account, change its role, reset its password, see and lift its sign-in backoff,
 * create and revoke its API tokens, remove it. Each row's controls are named after the user for screen readers.
 */
import { ROLES } from '../auth/roles';
import { addUser, createToken, listUsers, removeUser, revokeToken, setPassword, setRole, unlockUser, type ListedAccount } from './admin-api';
import { feedback, oneTimeSecret } from './admin-feedback';
import { clear, h } from './dom';
import { formatDateTime } from './format';

export function usersSection(): { el: HTMLElement; refresh(): Promise<void> } {
  const fb = feedback();
  const body = h('div', { class: 'admin-table-wrap' });
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const form: HTMLFormElement = h('form', { class: 'admin-form', 'aria-label': 'Add a user', onsubmit: async (ev: Event) => {
    ev.preventDefault();
    const name = field('name').value.trim();
    await fb.run(() => addUser(name, field('role').value, field('password').value), `User ${name} added.`, async () => {
      form.reset();
      await refresh();
    });
  } },
  h('label', { for: 'user-name' }, 'User name'),
  h('input', { id: 'user-name', name: 'name', required: true, autocomplete: 'off', spellcheck: 'false', pattern: '[a-z0-9][a-z0-9._\\-]{0,63}' }),
  h('label', { for: 'user-role' }, 'Role'),
  roleSelect('user-role', 'analyst'),
  h('label', { for: 'user-password' }, 'Password'),
  h('input', { id: 'user-password', name: 'password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' }),
  h('button', { class: 'button', type: 'submit' }, 'Add user'));

  const refresh = async (): Promise<void> => {
    try {
      const { users } = await listUsers();
      clear(body);
      body.append(users.length ? table(users) : h('p', { class: 'muted' }, 'No accounts: the viewer is open to this machine only.'));
    } catch (err) {
      fb.fail(err);
    }
  };

  const table = (users: ListedAccount[]): HTMLElement => h('table', { class: 'sessions admin-table', 'aria-label': 'Users' },
    h('thead', {}, h('tr', {}, ...['User', 'Role', 'Added', 'Password', 'API tokens', 'Account'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...users.map(row)));

  const row = (u: ListedAccount): HTMLElement => {
    const role = roleSelect(`role-${u.name}`, u.role, `Role of ${u.name}`);
    const pw = h('input', { type: 'password', minlength: 12, autocomplete: 'new-password', 'aria-label': `New password for ${u.name}`, class: 'admin-input' });
    const label = h('input', { type: 'text', maxlength: 100, autocomplete: 'off', 'aria-label': `New token label for ${u.name}`, placeholder: 'label', class: 'admin-input' });
    return h('tr', { 'data-user': u.name },
      h('th', { scope: 'row' }, u.name),
      h('td', {}, h('span', { class: 'admin-inline' }, role,
        h('button', { class: 'button small subtle', type: 'button', 'aria-label': `Change role of ${u.name}`, onclick: async () => {
          await fb.run(() => setRole(u.name, role.value), `${u.name} is now ${role.value} (signed out everywhere).`, refresh);
        } }, 'Change'))),
      h('td', {}, formatDateTime(u.createdAt)),
      h('td', {}, h('span', { class: 'admin-inline' }, pw,
        h('button', { class: 'button small subtle', type: 'button', 'aria-label': `Reset password of ${u.name}`, onclick: async () => {
          if (await fb.run(() => setPassword(u.name, pw.value), `Password of ${u.name} reset (signed out everywhere).`)) pw.value = '';
        } }, 'Reset'))),
      h('td', {},
        h('ul', { class: 'admin-tokens' }, ...u.tokens.map((t) => h('li', {},
          h('span', {}, `${t.label || '(no label)'} · ${t.id} · ${formatDateTime(t.createdAt)} `),
          h('button', { class: 'button small subtle', type: 'button', 'aria-label': `Revoke token ${t.label || t.id} of ${u.name}`, onclick: async () => {
            await fb.run(() => revokeToken(u.name, t.id), `Token ${t.id} of ${u.name} revoked.`, refresh);
          } }, 'Revoke')))),
        h('span', { class: 'admin-inline' }, label,
          h('button', { class: 'button small subtle', type: 'button', 'aria-label': `New token for ${u.name}`, onclick: async () => {
            try {
              const { token } = await createToken(u.name, label.value.trim());
              await refresh();
              fb.ok(`Token created for ${u.name}.`, oneTimeSecret('API token', token));
            } catch (err) {
              fb.fail(err);
            }
          } }, 'New token'))),
      h('td', {}, h('span', { class: 'admin-inline' },
        u.signInWaitMs > 0 ? h('span', { class: 'admin-locked' }, `Sign-in backing off (${Math.ceil(u.signInWaitMs / 1000)} s left)`) : null,
        h('button', { class: 'button small subtle', type: 'button', 'aria-label': `Unlock ${u.name}`, onclick: async () => {
          await fb.run(() => unlockUser(u.name), `${u.name} may sign in again at once.`, refresh);
        } }, 'Unlock'),
        h('button', { class: 'button small subtle danger', type: 'button', 'aria-label': `Remove ${u.name}`, onclick: async () => {
          if (!confirm(`Remove the account ${u.name}? Its sessions and API tokens stop working at once.`)) return;
          await fb.run(() => removeUser(u.name), `User ${u.name} removed.`, refresh);
        } }, 'Remove'))));
  };

  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'admin-users' },
    h('h2', { id: 'admin-users' }, 'Users'), form, fb.el, body);
  return { el, refresh };
}

function roleSelect(id: string, selected: string, label?: string): HTMLSelectElement {
  return h('select', { id, name: 'role', ...(label ? { 'aria-label': label } : {}) },
    ...ROLES.map((r) => h('option', r === selected ? { value: r, selected: true } : { value: r }, r)));
}
