/**
 * The live view (`/sessions/<id>/live`): a running session followed as it is recorded, for an agent with the customer
 * on the phone. rrweb's Replayer in live mode, in the same sandboxed, script-less frame as the player
 * (replayer-options.ts), fed by GET /api/sessions/<id>/live (Server-Sent Events, replay-viewer/live/live-stream.ts).
 *
 * - Follows the tab the customer uses (a new tab included) unless the agent picks one in the tab picker.
 * - "LIVE · lag 0.4 s": the age of the newest event when it arrived (customer's clock against this one's).
 * - A dropped connection shows "Reconnecting…"; on return the stream resends what came meanwhile (Last-Event-ID) and
 *   batches already shown are skipped by key, so nothing is missed or applied twice.
 *
 * `document.documentElement.dataset.liveState` is connecting | live | reconnecting | ended | error, and `liveResumes`
 * counts reconnects that resumed rather than started over (for tests).
 */
import { Replayer, type eventWithTime } from 'rrweb';
import type { RecordedEvent } from '../../store/records';
import { getSession, type TabTrack } from './api';
import { CanvasPainter } from './canvas-painter';
import { clear, h } from './dom';
import { keepPointerFocusRingless } from './focus-replay';
import { formatDateTime, shortUrl } from './format';
import { replayerOptions } from './replayer-options';

const FALLBACK_VIEWPORT = { width: 1280, height: 800 };
/** No message (the server pings every 5 s) for this long: the connection is dead even if the socket is not. */
const SILENCE_MS = 15_000;
const RETRY_MS = 2_000;
/** Events apply as they arrive, never scheduled: far ahead of any recorded timestamp, whatever the two clocks say. */
const APPLY_AT_ONCE = 8.64e15;

type LiveState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'error';
interface TrackInfo { tracks: TabTrack[]; track: number; active: number }
interface Snapshot extends TrackInfo { keys: string[]; events: RecordedEvent[]; resumed: boolean }

const END_REASONS: Record<string, string> = {
  idle: 'The session has been idle: the live view ended.',
  erased: 'This session was erased.',
  'slow-client': 'This connection fell too far behind and was closed. Reload to watch again.',
  closed: 'The live view was closed.',
  shutdown: 'The viewer is shutting down.',
};

export async function renderLivePage(root: HTMLElement, sessionId: string): Promise<void> {
  document.documentElement.dataset.view = 'live';
  document.title = 'Live session · Verbatim';
  clear(root);
  const back = h('a', { href: `/sessions/${encodeURIComponent(sessionId)}`, class: 'back-link' }, '← Session replay');
  try {
    const session = await getSession(sessionId);
    clear(root);
    new LiveView(root, sessionId, formatDateTime(session.startedAt), back);
  } catch (err) {
    document.documentElement.dataset.liveState = 'error';
    root.append(back, h('p', { class: 'player-status error', role: 'status' }, `Could not open this session live: ${(err as Error).message}`));
  }
}

class LiveView {
  private source: EventSource | undefined;
  private replayer: Replayer | undefined;
  private readonly painter = new CanvasPainter();
  private keys = new Set<string>();
  /** Follow the tab in use (the default), or stay on the one the agent picked. */
  private follow = true;
  private track: number | undefined;
  private lastId: string | undefined;
  private heardAt = Date.now();
  private recorded = FALLBACK_VIEWPORT;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly badge: HTMLElement;
  private readonly picker: HTMLSelectElement;
  private readonly notice: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly frame: HTMLElement;
  private replayRoot: HTMLElement;

  constructor(root: HTMLElement, private readonly sessionId: string, started: string, back: HTMLElement) {
    document.title = `Live: ${started} · Verbatim`;
    this.badge = h('span', { class: 'live-badge', role: 'status', 'aria-live': 'polite' });
    this.picker = h('select', { id: 'live-tab', 'aria-label': 'Browser tab', onchange: () => this.pick() }) as HTMLSelectElement;
    this.notice = h('p', { class: 'player-notice', role: 'status', hidden: true });
    this.replayRoot = h('div', { class: 'replay-root' });
    this.frame = h('div', { class: 'replay-frame' }, this.replayRoot);
    this.stage = h('div', { class: 'stage' }, this.frame);
    root.append(h('section', { class: 'player-view live-view' },
      h('header', { class: 'session-bar' }, back, h('h1', {}, `Live: ${started}`), this.badge, h('label', { class: 'tab-picker' }, 'Tab ', this.picker)),
      h('div', { class: 'stage-column' }, this.notice, this.stage),
    ));
    new ResizeObserver(() => this.fit()).observe(this.stage);
    setInterval(() => this.watchdog(), 1_000);
    this.setState('connecting');
    this.connect();
  }

  private connect(resume = false): void {
    this.source?.close();
    clearTimeout(this.retryTimer);
    const params = new URLSearchParams();
    if (this.track !== undefined) params.set('track', String(this.track));
    // A new EventSource cannot set Last-Event-ID itself: the query parameter carries it.
    if (resume && this.lastId !== undefined) params.set('lastEventId', this.lastId);
    const query = params.toString();
    const source = new EventSource(`/api/sessions/${encodeURIComponent(this.sessionId)}/live${query ? `?${query}` : ''}`);
    this.source = source;
    this.heardAt = Date.now();
    const on = <T>(name: string, handle: (data: T) => void) => source.addEventListener(name, (ev) => {
      const msg = ev as MessageEvent<string>;
      this.heardAt = Date.now();
      if (msg.lastEventId) this.lastId = msg.lastEventId;
      handle(JSON.parse(msg.data) as T);
    });
    on<Snapshot>('snapshot', (d) => this.onSnapshot(d));
    on<{ key: string; events: RecordedEvent[] }>('batch', (d) => this.onBatch(d.key, d.events));
    on<TrackInfo>('tracks', (d) => this.onTracks(d));
    on<{ now: number }>('ping', () => undefined);
    on<{ reason: string }>('end', (d) => {
      source.close();
      if (d.reason === 'regrouped') {
        // The tabs were regrouped under this stream: start over (following the tab in use unless one was picked).
        if (this.follow) this.track = undefined;
        return this.connect();
      }
      this.setState('ended', END_REASONS[d.reason] ?? `The live view ended (${d.reason}).`);
    });
    source.onerror = () => {
      if (document.documentElement.dataset.liveState === 'ended') return;
      this.setState('reconnecting');
      // CONNECTING: the browser retries by itself (sending Last-Event-ID). CLOSED: refused or failed; try again later.
      if (source.readyState === EventSource.CLOSED) this.retryTimer = setTimeout(() => void this.retry(), RETRY_MS);
    };
  }

  /** The stream was refused: say why when the server says no, else reconnect. */
  private async retry(): Promise<void> {
    try {
      await getSession(this.sessionId);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403 || status === 404) return this.setState('error', `Cannot watch this session: ${(err as Error).message}`);
    }
    this.connect(this.replayer !== undefined);
  }

  /** A silent connection (a network that dropped without a reset) is replaced. */
  private watchdog(): void {
    const state = document.documentElement.dataset.liveState;
    if ((state === 'live' || state === 'connecting') && Date.now() - this.heardAt > SILENCE_MS) {
      this.setState('reconnecting');
      this.connect(this.replayer !== undefined);
    }
  }

  private onSnapshot(d: Snapshot): void {
    if (this.onTracks(d)) return;
    if (d.resumed && this.replayer) {
      const html = document.documentElement;
      html.dataset.liveResumes = String(Number(html.dataset.liveResumes ?? 0) + 1);
      this.setState('live');
      return; // what was missed follows as batches
    }
    this.start(d.keys, d.events);
  }

  /** A fresh Replayer in live mode, with the tab's events so far applied at once. */
  private start(keys: string[], events: RecordedEvent[]): void {
    this.replayer?.destroy();
    clear(this.replayRoot);
    this.keys = new Set(keys);
    this.replayer = new Replayer([], {
      ...replayerOptions(this.replayRoot, this.painter),
      liveMode: true,
      // rrweb's virtual DOM is flushed only by play(); live events must reach the real document directly.
      useVirtualDom: false,
    });
    // rrweb's frame has no title; a screen reader names it by this.
    this.replayer.iframe.title = 'The customer\'s screen, live';
    this.painter.attach(this.replayer);
    keepPointerFocusRingless(this.replayer);
    this.replayer.on('resize', (dim) => {
      const { width, height } = dim as { width: number; height: number };
      if (width > 0 && height > 0) this.recorded = { width, height };
      this.fit();
    });
    this.replayer.startLive(APPLY_AT_ONCE);
    for (const e of events) this.replayer.addEvent(e as unknown as eventWithTime);
    this.showLag(events);
    this.setState('live');
    this.fit();
  }

  private onBatch(key: string, events: RecordedEvent[]): void {
    if (!this.replayer || this.keys.has(key)) return;
    this.keys.add(key);
    for (const e of events) this.replayer.addEvent(e as unknown as eventWithTime);
    this.showLag(events);
    this.setState('live');
  }

  /** Updates the tab picker; true when following the customer to another tab (a new stream starts). */
  private onTracks(d: TrackInfo): boolean {
    this.track = d.track;
    const options = [h('option', { value: 'follow', selected: this.follow }, 'Follow the tab in use'),
      ...d.tracks.map((t) => h('option', { value: String(t.index), selected: !this.follow && t.index === d.track },
        `Tab ${t.index + 1}: ${shortUrl(t.url)}${t.index === d.active ? ' (in use)' : ''}`))];
    clear(this.picker);
    this.picker.append(...options);
    this.picker.dataset.track = String(d.track);
    this.picker.dataset.tabs = String(d.tracks.length);
    if (!this.follow || d.active === d.track) return false;
    this.track = d.active;
    this.say(`Following the customer to tab ${d.active + 1}.`);
    this.connect();
    return true;
  }

  private pick(): void {
    const value = this.picker.value;
    this.follow = value === 'follow';
    if (!this.follow) this.track = Number(value);
    this.connect();
  }

  private showLag(events: RecordedEvent[]): void {
    const newest = events.reduce((m, e) => Math.max(m, e.timestamp), -Infinity);
    if (!Number.isFinite(newest)) return;
    const lag = Math.max(0, Date.now() - newest);
    this.badge.dataset.lagMs = String(lag);
    this.badge.title = 'Time from the customer\'s action to this screen (the two clocks may differ)';
    if (document.documentElement.dataset.liveState === 'live') this.badge.textContent = `LIVE · lag ${(lag / 1000).toFixed(1)} s`;
  }

  private setState(state: LiveState, message?: string): void {
    document.documentElement.dataset.liveState = state;
    this.badge.dataset.state = state;
    const lag = this.badge.dataset.lagMs;
    this.badge.textContent = state === 'live' ? `LIVE${lag ? ` · lag ${(Number(lag) / 1000).toFixed(1)} s` : ''}`
      : state === 'reconnecting' ? 'Reconnecting…' : state === 'connecting' ? 'Connecting…' : state === 'ended' ? 'Ended' : 'Not available';
    if (message) this.say(message);
  }

  private say(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  /** The recorded viewport, scaled down only when the window is too small (as the player does). */
  private fit(): void {
    const { width, height } = this.recorded;
    const availW = this.stage.clientWidth;
    const availH = Math.max(200, window.innerHeight - this.stage.getBoundingClientRect().top - 16);
    if (availW <= 0) return;
    const scale = Math.min(1, availW / width, availH / height);
    this.frame.style.width = `${Math.floor(width * scale)}px`;
    this.frame.style.height = `${Math.floor(height * scale)}px`;
    this.replayRoot.style.width = `${width}px`;
    this.replayRoot.style.height = `${height}px`;
    this.replayRoot.style.transform = scale < 1 ? `scale(${scale})` : 'none';
  }
}
