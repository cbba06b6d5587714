/** Typed access to the administration API: accounts (auth/user-routes.ts) and terminals, policy, store health (admin/). */
import type { PublicAccount } from '../auth/accounts';
import type { PolicyView, TerminalView } from '../admin/admin-ports';
import type { StoreHealthView } from '../admin/store-health';
import type { VerifyState } from '../admin/verify-job';
import { call, seg } from './api-call';

export type { PolicyView, PublicAccount, StoreHealthView, TerminalView, VerifyState };

/** signInWaitMs: how long the user name's sign-in is still backing off after failed attempts (0: not at all). */
export type ListedAccount = PublicAccount & { signInWaitMs: number };

export const listUsers = () => call<{ users: ListedAccount[] }>('GET', '/api/users');
export const addUser = (name: string, role: string, password: string) => call<PublicAccount>('POST', '/api/users', { name, role, password });
export const removeUser = (name: string) => call<unknown>('DELETE', `/api/users/${seg(name)}`);
export const setRole = (name: string, role: string) => call<unknown>('POST', `/api/users/${seg(name)}/role`, { role });
export const setPassword = (name: string, password: string) => call<unknown>('POST', `/api/users/${seg(name)}/password`, { password });
export const unlockUser = (name: string) => call<unknown>('POST', `/api/users/${seg(name)}/unlock`, {});
export const createToken = (name: string, label: string) => call<{ id: string; token: string }>('POST', `/api/users/${seg(name)}/tokens`, { label });
export const revokeToken = (name: string, id: string) => call<unknown>('DELETE', `/api/users/${seg(name)}/tokens/${seg(id)}`);

export const listTerminals = () => call<{ terminals: TerminalView[] }>('GET', '/api/admin/terminals');
export const enrolTerminal = (id: string) => call<{ id: string; token: string }>('POST', '/api/admin/terminals', { id });
export const revokeTerminal = (id: string) => call<unknown>('DELETE', `/api/admin/terminals/${seg(id)}`);

export const getPolicy = () => call<PolicyView>('GET', '/api/admin/policy');
export const getStoreHealth = () => call<StoreHealthView>('GET', '/api/admin/store');
export const startVerify = () => call<VerifyState>('POST', '/api/admin/store/verify', {});
