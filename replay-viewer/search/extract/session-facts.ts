/**
 * Facts about a whole session for filters and facets: from the session record, plus what only the events tell
 * (how long the customer was active, URLs the pages reached after they loaded).
 */
import type { Channel, Session, Viewport } from '../../../store/records';
import { ACTIVE_GAP_CAP_MS, ACTIVITY_RESOLUTION_MS, MAX_ACTIVITY_MOMENTS } from './limits';
import { urlParts } from './url-parts';
import { isObject, list, num, str } from '../../../recorder/rrweb-wire';

export type Device = 'mobile' | 'tablet' | 'desktop';

export interface SessionFacts {
  channel: Channel;
  terminal?: string;
  browser?: string;
  os?: string;
  /** Only these three: a TV, a bot or an unknown user agent has none. */
  device?: Device;
  viewport?: Viewport;
  /** First and last page URL, without query string (url-parts.ts). */
  entryUrl?: string;
  exitUrl?: string;
  pageCount: number;
  durationMs: number;
  /** Time with customer activity: gaps between interaction moments summed, each at most ACTIVE_GAP_CAP_MS. */
  activeMs: number;
  startedAt: number;
  endedAt: number;
}

/** Interaction moments, rounded to ACTIVITY_RESOLUTION_MS so a burst of pointer moves costs one entry. */
export class ActivityMoments {
  private readonly moments = new Set<number>();

  add(at: number): void {
    if (this.moments.size < MAX_ACTIVITY_MOMENTS) this.moments.add(Math.floor(at / ACTIVITY_RESOLUTION_MS));
  }

  activeMs(): number {
    const sorted = [...this.moments].sort((a, b) => a - b);
    let total = 0;
    for (let i = 1; i < sorted.length; i++) {
      total += Math.min((sorted[i]! - sorted[i - 1]!) * ACTIVITY_RESOLUTION_MS, ACTIVE_GAP_CAP_MS);
    }
    return total;
  }
}

/** A URL the extractor saw a page at (batch page URL, rrweb Meta event). */
export interface SeenUrl {
  at: number;
  url: string;
}

const DEVICES = new Set<string>(['mobile', 'tablet', 'desktop']);
const CHANNELS = new Set<string>(['proxy', 'gateway', 'kiosk']);

export function sessionFacts(session: Session, seen: { activity: ActivityMoments; urls: SeenUrl[]; pageIds: number }): SessionFacts {
  const s: Partial<Session> = isObject(session) ? session : {};
  const startedAt = num(s.startedAt) ?? 0;
  const endedAt = Math.max(num(s.endedAt) ?? startedAt, startedAt);
  const pages = list(s.pages).filter(isObject);
  const visits: SeenUrl[] = [...seen.urls];
  for (const p of pages) {
    const at = num(p.startedAt);
    const url = str(p.url);
    if (at !== undefined && url) visits.push({ at, url });
  }
  visits.sort((a, b) => a.at - b.at);
  const entry = visits.map((v) => urlParts(v.url)).find(Boolean);
  const exit = visits.map((v) => urlParts(v.url)).findLast(Boolean);
  const firstContext = pages.map((p) => p.context).find(isObject);
  const device = str(s.deviceType) ?? str(firstContext?.deviceType);
  const viewport = isObject(s.viewport) ? s.viewport : isObject(firstContext?.viewport) ? firstContext.viewport : undefined;
  const facts: SessionFacts = {
    channel: CHANNELS.has(str(s.channel) ?? '') ? s.channel! : 'proxy',
    pageCount: Math.max(pages.length, seen.pageIds),
    durationMs: endedAt - startedAt,
    activeMs: seen.activity.activeMs(),
    startedAt,
    endedAt,
  };
  if (str(s.terminalId)) facts.terminal = s.terminalId;
  if (str(s.browser)) facts.browser = s.browser;
  if (str(s.os)) facts.os = s.os;
  if (device && DEVICES.has(device)) facts.device = device as Device;
  if (viewport && num(viewport.width) !== undefined && num(viewport.height) !== undefined) {
    facts.viewport = { width: viewport.width as number, height: viewport.height as number };
  }
  if (entry) facts.entryUrl = entry.display;
  if (exit) facts.exitUrl = exit.display;
  return facts;
}
