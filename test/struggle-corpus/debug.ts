/**
 * CORPUS_DEBUG=1: a case's signals and the events the rules read (clicks, mutations, pointer moves, scrolls, page
 * markers), one line each, for telling a detector mistake from a journey the loaded machine did not play as written.
 * Never prints typed values: Input events are left out.
 */
import type { Signal } from '../../replay-viewer/analytics/struggle/index';
import type { VerbatimStore } from '../../store/store';

export async function dumpSession(store: VerbatimStore, caseId: string, sessionId: string, signals: readonly Signal[]): Promise<void> {
  console.log(`${caseId}: ${JSON.stringify(signals.map((s) => [s.name, s.element?.selector, s.detail]))}`);
  for (const b of await store.readEvents(sessionId)) {
    const page = b.page.id.slice(0, 6);
    for (const e of b.events) {
      const d = (e.data ?? {}) as { source?: number; type?: number; id?: number; x?: number; y?: number; tag?: string; href?: string; positions?: { x: number; timeOffset: number }[] };
      let what: string | undefined;
      if (e.type === 3 && d.source === 2 && d.type !== 5 && d.type !== 6) what = `mouse ${d.type} on node ${d.id} x ${d.x}`;
      else if (e.type === 3 && d.source === 0) what = 'mutation';
      else if (e.type === 3 && d.source === 1) what = `moves ${JSON.stringify((d.positions ?? []).map((p) => [Math.round(p.x), p.timeOffset]))}`;
      else if (e.type === 3 && d.source === 3) what = `scroll node ${d.id} y ${d.y}`;
      else if (e.type === 4) what = `meta ${d.href}`;
      else if (e.type === 5) what = `${d.tag} (batch ${b.seq}, page url ${b.page.url})`;
      if (what) console.log(`  ${page} ${e.timestamp} ${what}`);
    }
  }
}
