/**
 * The URL of a deep link's streamed events (event-stream.ts). One function for the page, which names it in a
 * `<link rel="preload">` so the browser asks for the events while it still loads the viewer's script
 * (ui-routes.ts), and for the player, whose `fetch` must ask for exactly that URL to be handed the preloaded answer.
 */
export interface EventSelect {
  track?: number;
  at?: number;
  /** Ask for the keyframe line (default true): false only for a UI built before keyframes (a bench's baseline). */
  keyframe?: boolean;
}

export function eventStreamUrl(sessionId: string, select: EventSelect): string {
  const params = new URLSearchParams();
  if (select.track !== undefined) params.set('track', String(select.track));
  if (select.at !== undefined) params.set('at', String(select.at));
  // A preload cannot send an Accept header: the format is named in the query.
  params.set('format', 'ndjson');
  // The page paints the frame from static HTML before its script arrives (ui/keyframe-view.ts).
  if (select.keyframe !== false) params.set('keyframe', '1');
  return `/api/sessions/${encodeURIComponent(sessionId)}/events?${params}`;
}

/** The selection a player page's own query asks for (`?track=`, `?at=`), as the player reads it. */
export function eventSelectOf(query: URLSearchParams): EventSelect {
  const track = Number(query.get('track'));
  const at = Number(query.get('at'));
  return {
    track: query.has('track') && Number.isInteger(track) ? track : undefined,
    at: query.has('at') && Number.isFinite(at) ? at : undefined,
  };
}
