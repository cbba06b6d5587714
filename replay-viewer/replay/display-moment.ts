/**
 * Which recorded moment a paused replay shows for a requested moment `at` (any time unit, as long as all three
 * agree: epoch ms on the server, offsets from the first event in the player). Shared by the player
 * (ui/player.ts) and the deep-link stream (deep-link.ts), so the events streamed first are the ones the
 * player needs for the frame it draws first.
 *
 * rrweb applies events strictly before the time it is paused at, hence +1 (the moment includes what happened
 * at it). Between a page load's Meta event and its first snapshot rrweb has nothing to show, while the browser
 * still showed the previous page: show that page's last state (or, before the first snapshot, the first one).
 */
export function displayTime(metas: readonly number[], snapshots: readonly number[], at: number): number {
  const t = at + 1;
  let meta: number | undefined;
  for (const m of metas) if (m < t) meta = m;
  if (meta === undefined || snapshots.some((s) => s >= meta! && s < t)) {
    const firstSnapshot = snapshots[0];
    return firstSnapshot !== undefined && firstSnapshot >= t ? firstSnapshot + 1 : t;
  }
  if (snapshots.some((s) => s < meta!)) return meta - 1;
  const next = snapshots.find((s) => s >= t);
  return next === undefined ? t : next + 1;
}
