/** The session's struggle signals for the player (GET /api/sessions/<id>/signals, replay-viewer/session-signals.ts). */
import type { ApiSessionSignals } from '../session-signals';

export type { ApiSessionSignals };

export async function getSignals(id: string): Promise<ApiSessionSignals> {
  const res = await fetch(`/api/sessions/${encodeURIComponent(id)}/signals`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`Struggle signals could not be read (${res.status})`);
  return (await res.json()) as ApiSessionSignals;
}
