/**
 * Who is signed in and what their role allows (GET /api/me, answered by the
 * access layer), asked once per page. The API enforces every permission; the UI
 * only leaves out what the role could not use anyway.
 */
import type { Permission } from '../auth/roles';
import { JSON_REQUEST, takeEarly } from './early-requests';

export interface Me {
  user: string;
  role: string | null;
  /** Open mode: no accounts exist (loopback only). */
  open: boolean;
  csrf: string | null;
  permissions: Permission[] | 'all';
}

let asked: Promise<Me | undefined> | undefined;

/** Undefined when the viewer runs without the access layer (nothing is restricted then). */
export function whoAmI(): Promise<Me | undefined> {
  asked ??= (takeEarly('/api/me') ?? fetch('/api/me', JSON_REQUEST))
    .then((res) => (res.ok ? (res.json() as Promise<Me>) : undefined))
    .catch(() => undefined);
  return asked;
}

export function may(me: Me | undefined, permission: Permission): boolean {
  return !me || me.permissions === 'all' || me.permissions.includes(permission);
}
