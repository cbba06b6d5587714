/**
 * What a failed fidelity case prints, for failures seen only in CI: what the recording holds (events by
 * type@ms-from-the-moment, canvas images) and what the replay showed (the player's notice, each canvas's size and
 * whether the painter gave it pixels).
 */
import type { Page } from 'playwright';
import type { VerbatimStore } from '../../store/store';

export async function failureNotes(store: VerbatimStore, sessionId: string, at: number, replayPage: Page): Promise<string> {
  const events = (await store.readEvents(sessionId)).flatMap((b) => b.events as { type: number; timestamp: number; data?: { source?: number } }[]);
  const types = events.map((e) => `${e.type}${e.type === 3 ? `:${e.data?.source}` : ''}@${e.timestamp - at}`).join(' ');
  const replay = await replayPage.evaluate(() => {
    const doc = document.querySelector<HTMLIFrameElement>('.replayer-wrapper iframe')?.contentDocument;
    const canvases = Array.from(doc?.querySelectorAll('canvas') ?? [], (c) => {
      const r = c.getBoundingClientRect();
      return `${Math.round(r.width)}x${Math.round(r.height)} content=${c.style.getPropertyValue('content').slice(0, 40)}`;
    });
    return { notice: document.querySelector('.player-notice:not([hidden])')?.textContent ?? '', canvases };
  }).catch((err: unknown) => ({ notice: `(replay page not readable: ${String(err)})`, canvases: [] as string[] }));
  return `${events.length} events (${types}); canvas images: ${(JSON.stringify(events).match(/rr_dataURL/g) ?? []).length}; `
    + `replay notice: ${JSON.stringify(replay.notice)}; replayed canvases: ${JSON.stringify(replay.canvases)}`;
}
