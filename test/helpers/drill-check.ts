/**
 * What the drills check after a crash or a fault: which acknowledged uploads and completed responses the store
 * holds, read back through the running Verbatim's viewer API (the store's own read path), and how old the oldest
 * missing capture was when the process died (the loss window).
 */
import type { Ack, Completion, DrillLedger } from './drill-load';

export interface StoredSession {
  exists: boolean;
  captureUrls: Set<string>;
  markers: Set<string>;
}

/** Reads each session's captures and recorder events from a running viewer (open mode: no accounts, loopback). */
export async function readStored(viewerUrl: string, sessionIds: Iterable<string>): Promise<Map<string, StoredSession>> {
  const out = new Map<string, StoredSession>();
  for (const id of new Set(sessionIds)) {
    const captures = await getJson(`${viewerUrl}/api/sessions/${id}/captures`);
    if (captures.status === 404) {
      out.set(id, { exists: false, captureUrls: new Set(), markers: new Set() });
      continue;
    }
    if (captures.status !== 200) throw new Error(`GET captures of ${id}: ${captures.status} ${JSON.stringify(captures.body)}`);
    const events = await getJson(`${viewerUrl}/api/sessions/${id}/events`);
    if (events.status !== 200) throw new Error(`GET events of ${id}: ${events.status} ${JSON.stringify(events.body)}`);
    const urls = new Set(((captures.body as { captures: { url: string }[] }).captures).map((c) => c.url));
    const markers = new Set<string>();
    for (const e of (events.body as { events: { type: number; data?: { tag?: string; payload?: { marker?: string } } }[] }).events) {
      if (e.type === 5 && e.data?.tag === 'drill' && e.data.payload?.marker) markers.add(e.data.payload.marker);
    }
    out.set(id, { exists: true, captureUrls: urls, markers });
  }
  return out;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* keep the text */ }
  return { status: res.status, body };
}

export interface LossReport {
  acked: number;
  ackedFound: number;
  missingAcks: Ack[];
  /** Responses completed before the kill. */
  completed: number;
  completedFound: number;
  missing: (Completion & { ageMs: number })[];
  /** Missing captures that completed more than `windowMs` before the kill. */
  late: (Completion & { ageMs: number })[];
  /** Age at the kill of the oldest missing capture (0 when none is missing). */
  lossWindowMs: number;
}

/** Compares what the clients saw before `killAt` with what the store holds. */
export function lossReport(ledger: Pick<DrillLedger, 'acks' | 'completions'>, stored: Map<string, StoredSession>, killAt: number, windowMs = 250): LossReport {
  const acks = ledger.acks.filter((a) => a.ackedAt <= killAt);
  const missingAcks = acks.filter((a) => !stored.get(a.sessionId)?.markers.has(a.marker));
  const completions = ledger.completions.filter((c) => c.completedAt <= killAt && c.status === 200);
  const missing = completions
    .filter((c) => !stored.get(c.sessionId)?.captureUrls.has(c.url))
    .map((c) => ({ ...c, ageMs: killAt - c.completedAt }))
    .sort((a, b) => b.ageMs - a.ageMs);
  return {
    acked: acks.length,
    ackedFound: acks.length - missingAcks.length,
    missingAcks,
    completed: completions.length,
    completedFound: completions.length - missing.length,
    missing,
    late: missing.filter((m) => m.ageMs > windowMs),
    lossWindowMs: missing[0]?.ageMs ?? 0,
  };
}
