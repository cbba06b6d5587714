/**
 * The player: rrweb's Replayer in its sandboxed iframe (no scripts, ever: canvases
 * are drawn by the player itself, canvas-painter.ts), at the recorded
 * viewport size (scaled down only when the window is too small), with play/pause,
 * a seek bar with page markers, speeds, a page list and links to a moment; for the
 * roles allowed, the network log (network-panel.ts) and the export buttons; opened from a search (`?q=`), its
 * matching moments on the seek bar with next/previous (match-navigator.ts).
 *
 * `document.documentElement.dataset.replayReady` is 'true' once a paused moment is
 * fully shown (resources loaded, layout settled) and 'false' while seeking or playing.
 */
import { Replayer, type eventWithTime } from 'rrweb';
import { CUSTOM_TAGS } from '../../recorder/protocol';
import type { RecordedEvent } from '../../store/records';
import { getEvents, getSession, type ApiSession, type SessionEvents } from './api';
import { clear, h } from './dom';
import { formatClock, formatDateTime, formatDuration, formatOffset, shortUrl } from './format';
import { CanvasPainter } from './canvas-painter';
import { replayerOptions } from './replayer-options';
import { keepPointerFocusRingless } from './focus-replay';
import { waitForReplayResources } from './readiness';
import { createTimeline, type Timeline, type TimelineMarker } from './timeline';
import { pageContextFacts } from './page-context';
import { exportActions } from './export-actions';
import { may, whoAmI, type Me } from './me';
import { createNetworkPanel, type NetworkPanel } from './network-panel';
import { createMatchNavigator, type MatchNavigator } from './match-navigator';
import { sessionMatches, type Match } from './search-api';

const SPEEDS = [1, 2, 4, 8];
const EVENT_META = 4;
const EVENT_CUSTOM = 5;
const EVENT_FULL_SNAPSHOT = 2;
const FALLBACK_VIEWPORT = { width: 1280, height: 800 };

interface PageEntry {
  offset: number;
  url: string;
  title?: string;
}

export async function renderPlayer(root: HTMLElement, sessionId: string, params: URLSearchParams): Promise<void> {
  document.documentElement.dataset.view = 'player';
  setReady(false);
  document.title = 'Session · Verbatim';
  clear(root);
  const status = h('p', { class: 'player-status', role: 'status' }, 'Loading session…');
  root.append(status);

  let session: ApiSession;
  let loaded: SessionEvents;
  let me: Me | undefined;
  let matches: Match[] | undefined;
  // Opened from a search result: the session's matching moments, for the timeline and next/previous.
  const query = params.get('q')?.trim() ?? '';
  const at = Number(params.get('at'));
  const track = Number(params.get('track'));
  try {
    [session, loaded, me, matches] = await Promise.all([getSession(sessionId), getEvents(sessionId, {
      track: params.has('track') && Number.isInteger(track) ? track : undefined,
      at: params.has('at') && Number.isFinite(at) ? at : undefined,
    }), whoAmI(), query ? sessionMatches(sessionId, query) : undefined]);
  } catch (err) {
    status.classList.add('error');
    status.textContent = `Could not load this session: ${(err as Error).message}`;
    root.prepend(backLink());
    return;
  }
  const { events } = loaded;
  if (events.length < 2 || !events.some((e) => e.type === EVENT_FULL_SNAPSHOT)) {
    status.textContent = 'This session has no replayable recording (no page snapshot was received).';
    root.prepend(backLink());
    return;
  }
  clear(root);
  new PlayerView(root, session, events, params, me, matches ? { query, matches } : undefined);
  if (loaded.tracks.length > 1) root.querySelector('.session-bar')?.append(tabPicker(session.id, loaded));
}

/** Several tabs were open: each is replayed on its own (rrweb cannot mix two documents' events). */
function tabPicker(sessionId: string, loaded: SessionEvents): HTMLElement {
  const select = h('select', { 'aria-label': 'Browser tab', onchange: () => {
    const params = new URLSearchParams(location.search);
    params.set('track', select.value);
    params.delete('at');
    location.search = params.toString();
  } }, ...loaded.tracks.map((t) => h('option', { value: String(t.index), selected: t.index === loaded.track },
    `Tab ${t.index + 1}: ${shortUrl(t.url)} (${t.pageIds.length} page${t.pageIds.length === 1 ? '' : 's'})`))) as HTMLSelectElement;
  select.dataset.session = sessionId;
  return h('label', { class: 'tab-picker' }, 'Tab ', select);
}

/**
 * rrweb applies a scroll that is not part of a fast-forward with smooth behaviour;
 * wait (at most 1 s) until the replayed page stops moving before calling it ready.
 */
function waitForStillScroll(iframe: HTMLIFrameElement): Promise<void> {
  return new Promise((resolve) => {
    const deadline = performance.now() + 1000;
    let last = '';
    let still = 0;
    const check = () => {
      const win = iframe.contentWindow;
      const now = win ? `${win.scrollX},${win.scrollY}` : '';
      still = now === last ? still + 1 : 0;
      last = now;
      if (still >= 3 || performance.now() > deadline) resolve();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}

function setReady(ready: boolean): void {
  document.documentElement.dataset.replayReady = ready ? 'true' : 'false';
}

function backLink(): HTMLElement {
  return h('a', { href: '/', class: 'back-link' }, '← All sessions');
}

class PlayerView {
  private readonly replayer: Replayer;
  private readonly painter = new CanvasPainter();
  private readonly first: number;
  private readonly total: number;
  private readonly pages: PageEntry[];
  private readonly metaOffsets: number[];
  private readonly snapshotOffsets: number[];
  private recorded: { width: number; height: number };
  private position = 0;
  private playing = false;
  private speed = 1;
  private readyToken = 0;
  private raf = 0;
  private userToggledPages = false;

  private readonly stage: HTMLElement;
  private readonly frame: HTMLElement;
  private readonly replayRoot: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly timeLabel: HTMLElement;
  private readonly clockLabel: HTMLElement;
  private readonly scaleLabel: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly pageList: HTMLOListElement;
  private readonly timeline: Timeline;
  private readonly network: NetworkPanel | undefined;
  private readonly matchNav: MatchNavigator | undefined;

  constructor(root: HTMLElement, private readonly session: ApiSession, events: RecordedEvent[], params: URLSearchParams, me: Me | undefined,
    search?: { query: string; matches: Match[] }) {
    this.first = events[0]!.timestamp;
    this.total = Math.max(0, events[events.length - 1]!.timestamp - this.first);
    this.pages = pageEntries(events, session, this.first);
    this.metaOffsets = events.filter((e) => e.type === EVENT_META).map((e) => e.timestamp - this.first);
    this.snapshotOffsets = events.filter((e) => e.type === EVENT_FULL_SNAPSHOT).map((e) => e.timestamp - this.first);
    const meta = events.find((e) => e.type === EVENT_META)?.data as { width?: number; height?: number } | undefined;
    this.recorded = meta?.width && meta.height ? { width: meta.width, height: meta.height } : session.viewport ?? FALLBACK_VIEWPORT;
    if (params.get('cursor') === '0') document.documentElement.classList.add('hide-cursor');

    document.title = `${formatDateTime(session.startedAt)} · Verbatim`;

    // Layout
    this.replayRoot = h('div', { class: 'replay-root' });
    this.frame = h('div', { class: 'replay-frame' }, this.replayRoot);
    this.stage = h('div', { class: 'stage' }, this.frame);
    this.notice = h('p', { class: 'player-notice', role: 'status', hidden: true });
    this.playButton = h('button', { class: 'button play', type: 'button', 'aria-label': 'Play', onclick: () => this.togglePlay() }, '▶');
    this.timeLabel = h('span', { class: 'time' });
    this.clockLabel = h('span', { class: 'clock', title: 'Wall-clock time of the moment shown' });
    this.scaleLabel = h('span', { class: 'scale' });
    this.timeline = createTimeline({
      total: this.total,
      markers: [...markers(events, this.pages, this.first), ...matchMarkers(search?.matches ?? [], this.first, this.total)],
      onSeek: (offset) => this.seek(offset),
      onPreview: (offset) => this.showTime(offset ?? this.position),
    });
    const speeds = h('div', { class: 'speeds', role: 'group', 'aria-label': 'Playback speed' },
      ...SPEEDS.map((s) => h('button', { class: 'speed', type: 'button', 'data-speed': s, 'aria-pressed': s === 1 ? 'true' : 'false', onclick: () => this.setSpeed(s) }, `${s}×`)));
    const copy = h('button', { class: 'button small subtle', type: 'button', title: 'Copy a link that opens this session paused at this moment', onclick: () => void this.copyLink(copy) }, 'Copy link to moment');
    this.pageList = h('ol', { class: 'page-list' }, ...this.pages.map((p, i) => this.pageItem(p, i)));
    const pagesToggle = h('button', { class: 'button small subtle', type: 'button', 'aria-expanded': 'true', onclick: () => {
      this.userToggledPages = true;
      this.setPagesOpen(document.documentElement.classList.contains('pages-collapsed'));
    } }, `Pages (${this.pages.length})`);
    pagesToggle.id = 'pages-toggle';
    this.matchNav = search ? createMatchNavigator({
      ...search, first: this.first, total: this.total, openedAt: params.has('at') ? Number(params.get('at')) : undefined, onSeek: (offset) => this.seek(offset),
    }) : undefined;
    this.network = may(me, 'session.technical')
      ? createNetworkPanel({ sessionId: session.id, first: this.first, onSeek: (offset) => this.seek(offset) }) : undefined;

    root.append(h('section', { class: 'player-view' },
      h('header', { class: 'session-bar' },
        backLink(),
        h('h1', {}, formatDateTime(session.startedAt)),
        h('dl', { class: 'facts' }, ...facts(session, this.recorded)),
        pagesToggle,
        this.network?.toggle,
        // Only a signed-in role that may export (the API refuses the others anyway).
        me && may(me, 'session.export') ? exportActions(session.id, (text) => this.say(text)) : null,
      ),
      h('div', { class: 'player-main' },
        h('div', { class: 'stage-column' }, this.matchNav?.element, this.notice, this.stage, this.network?.panel),
        h('aside', { class: 'pages-panel', 'aria-label': 'Pages visited' }, h('h2', {}, 'Pages'), this.pageList),
      ),
      h('div', { class: 'controls' },
        this.playButton,
        h('div', { class: 'time-block' }, this.timeLabel, this.clockLabel),
        this.timeline.el,
        speeds,
        this.scaleLabel,
        copy,
      ),
    ));

    this.replayer = new Replayer(events as unknown as eventWithTime[], replayerOptions(this.replayRoot, this.painter, this.speed));
    this.painter.attach(this.replayer);
    keepPointerFocusRingless(this.replayer);
    this.replayer.on('resize', (dim) => {
      const { width, height } = dim as { width: number; height: number };
      if (width > 0 && height > 0) this.recorded = { width, height };
      this.fit();
    });
    this.replayer.on('finish', () => {
      this.playing = false;
      this.position = this.total;
      this.afterStop();
    });

    new ResizeObserver(() => this.fit()).observe(this.stage);
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.fit();

    const at = Number(params.get('at'));
    let offset = 0;
    if (params.has('at') && Number.isFinite(at)) {
      offset = Math.min(this.total, Math.max(0, at - this.first));
      if (at < this.first) this.say(`The requested moment (${formatDateTime(at)}) is before the recording starts; showing its first moment.`);
      else if (at > this.first + this.total) this.say(`The requested moment (${formatDateTime(at)}) is after the recording ends; showing its last moment.`);
    }
    // After the Replayer's own 0 ms start-up timer (first resize); its first-snapshot timer then finds the work done.
    setTimeout(() => this.seek(offset), 0);
  }

  private seek(offset: number): void {
    this.position = Math.min(this.total, Math.max(0, Math.round(offset)));
    this.showTime(this.position);
    this.matchNav?.sync(this.position);
    if (this.playing) {
      setReady(false);
      this.replayer.play(this.position);
    } else {
      this.replayer.pause(this.displayOffset(this.position));
      this.settle();
    }
  }

  /**
   * The offset to hand rrweb so that it shows what the customer saw at `offset`.
   * rrweb applies events strictly before the offset, hence +1 (the moment includes
   * what happened at it). Between a page load's Meta event and its first snapshot
   * rrweb has nothing to show, while the browser still showed the previous page:
   * show that page's last state (or, before the first snapshot, the first one).
   */
  private displayOffset(offset: number): number {
    const t = offset + 1;
    const meta = this.metaOffsets.filter((m) => m < t).pop();
    if (meta === undefined || this.snapshotOffsets.some((s) => s >= meta && s < t)) {
      const firstSnapshot = this.snapshotOffsets[0];
      return firstSnapshot !== undefined && firstSnapshot >= t ? firstSnapshot + 1 : t;
    }
    if (this.snapshotOffsets.some((s) => s < meta)) return meta - 1;
    const next = this.snapshotOffsets.find((s) => s >= t);
    return next === undefined ? t : next + 1;
  }

  private togglePlay(): void {
    if (this.playing) {
      this.replayer.pause();
      this.position = this.clampedCurrent();
      this.playing = false;
      this.afterStop();
      return;
    }
    if (this.position >= this.total) this.position = 0;
    this.playing = true;
    this.readyToken++;
    setReady(false);
    this.replayer.play(this.position);
    this.playButton.textContent = '❚❚';
    this.playButton.setAttribute('aria-label', 'Pause');
    const tick = (): void => {
      if (!this.playing) return;
      const now = this.clampedCurrent();
      this.showTime(now);
      this.matchNav?.sync(Math.round(now));
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  private afterStop(): void {
    cancelAnimationFrame(this.raf);
    this.playButton.textContent = '▶';
    this.playButton.setAttribute('aria-label', 'Play');
    this.showTime(this.position);
    this.matchNav?.sync(this.position);
    this.settle();
  }

  /** Marks the moment ready once the replay document has loaded what it shows. */
  private settle(): void {
    const token = ++this.readyToken;
    setReady(false);
    const iframe = this.replayer.iframe;
    void this.showsEverything(iframe).then(() => {
      if (token !== this.readyToken || this.playing) return;
      const undecoded = this.painter.undecodedCanvases();
      if (undecoded) this.say(`${undecoded === 1 ? 'A canvas here' : `${undecoded} canvases here`} could not show the recorded image (it did not decode): only what was drawn after it is shown.`);
      document.documentElement.dataset.replayTime = String(this.first + this.position);
      this.snapToPixels();
      setReady(true);
    });
  }

  /**
   * Canvases drawn, the document's resources loaded, scrolling still. Again when the painter gave a canvas new
   * pixels meanwhile (rrweb's flush or a late event): the replay document loads those as an image of its own.
   */
  private async showsEverything(iframe: HTMLIFrameElement): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const shown = this.painter.shown;
      await this.painter.idle();
      await waitForReplayResources(iframe);
      await waitForStillScroll(iframe);
      if (this.painter.shown === shown) return;
    }
  }

  private setSpeed(speed: number): void {
    this.speed = speed;
    this.replayer.setConfig({ speed });
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('.speeds .speed'))) {
      b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === speed));
    }
  }

  private clampedCurrent(): number {
    return Math.min(this.total, Math.max(0, this.replayer.getCurrentTime()));
  }

  private showTime(offset: number): void {
    this.timeline.setTime(offset);
    this.network?.setTime(offset);
    this.timeLabel.textContent = `${formatOffset(offset)} / ${formatOffset(this.total)}`;
    this.clockLabel.textContent = formatClock(this.first + offset);
    let current = -1;
    this.pages.forEach((p, i) => {
      if (p.offset <= offset) current = i;
    });
    Array.from(this.pageList.children).forEach((li, i) => li.classList.toggle('current', i === current));
  }

  /**
   * Puts the replay frame on whole pixels: text above it can leave it at y = 144.84,
   * and a fractional offset resamples every glyph of the replayed page.
   */
  private snapToPixels(): void {
    // A layout offset (position: relative), not a transform: a translated layer at a fractional
    // position is still resampled, while layout offsets are snapped to whole pixels when painted.
    this.frame.style.top = '';
    this.frame.style.left = '';
    const { left, top } = this.frame.getBoundingClientRect();
    const dx = Math.round(left) - left;
    const dy = Math.round(top) - top;
    if (dx) this.frame.style.left = `${dx}px`;
    if (dy) this.frame.style.top = `${dy}px`;
  }

  /** Recorded size, scaled down only when the stage is smaller. */
  private fit(): void {
    const { width, height } = this.recorded;
    const style = getComputedStyle(this.stage);
    const availW = this.stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const availH = this.stage.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (availW <= 0 || availH <= 0) return;
    // Prefer the replay at 100% over the page list when only one of them fits.
    if (!this.userToggledPages && availW < width && !document.documentElement.classList.contains('pages-collapsed')) {
      const panel = document.querySelector<HTMLElement>('.pages-panel');
      if (panel && availW + panel.offsetWidth >= width) {
        this.setPagesOpen(false);
        return; // the ResizeObserver calls fit() again with the wider stage
      }
    }
    const scale = Math.min(1, availW / width, availH / height);
    this.frame.style.width = `${Math.floor(width * scale)}px`;
    this.frame.style.height = `${Math.floor(height * scale)}px`;
    this.replayRoot.style.width = `${width}px`;
    this.replayRoot.style.height = `${height}px`;
    this.replayRoot.style.transform = scale < 1 ? `scale(${scale})` : 'none';
    this.scaleLabel.textContent = `${width} × ${height}${scale < 1 ? ` · ${Math.round(scale * 100)}%` : ''}`;
    this.scaleLabel.title = scale < 1 ? 'Scaled down to fit the window' : 'Shown at the recorded size';
  }

  private setPagesOpen(open: boolean): void {
    document.documentElement.classList.toggle('pages-collapsed', !open);
    document.getElementById('pages-toggle')?.setAttribute('aria-expanded', String(open));
  }

  private pageItem(page: PageEntry, index: number): HTMLLIElement {
    return h('li', {},
      h('button', { type: 'button', class: 'page-item', title: page.url, onclick: () => this.seek(page.offset) },
        h('span', { class: 'page-index' }, String(index + 1)),
        h('span', { class: 'page-text' },
          h('span', { class: 'page-title' }, page.title || shortUrl(page.url)),
          h('span', { class: 'page-url' }, page.url)),
        h('span', { class: 'page-time' }, formatOffset(page.offset))));
  }

  private onKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement | null;
    if (target && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName)) return;
    if (ev.key === ' ' || ev.key === 'k') {
      ev.preventDefault();
      this.togglePlay();
    } else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
      ev.preventDefault();
      const now = this.playing ? this.clampedCurrent() : this.position;
      this.seek(now + (ev.key === 'ArrowLeft' ? -5_000 : 5_000));
    }
  }

  private async copyLink(button: HTMLButtonElement): Promise<void> {
    const offset = this.playing ? this.clampedCurrent() : this.position;
    const link = `${location.origin}/sessions/${encodeURIComponent(this.session.id)}?at=${Math.round(this.first + offset)}`;
    try {
      await navigator.clipboard.writeText(link);
      this.say(`Link copied: it opens this session paused at ${formatDateTime(this.first + offset)}.`);
    } catch {
      this.say(`Link to this moment: ${link}`);
    }
    button.blur();
  }

  private say(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }
}

/** One entry per page load (rrweb Meta event), titled from the session's page records. */
function pageEntries(events: RecordedEvent[], session: ApiSession, first: number): PageEntry[] {
  const metas = events.filter((e) => e.type === EVENT_META && typeof (e.data as { href?: unknown })?.href === 'string');
  if (!metas.length) return session.pages.map((p) => ({ offset: Math.max(0, p.startedAt - first), url: p.url, title: p.title }));
  return metas.map((e, i) => {
    const url = (e.data as { href: string }).href;
    const candidates = session.pages.filter((p) => p.url === url);
    const nearest = candidates.sort((a, b) => Math.abs(a.startedAt - e.timestamp) - Math.abs(b.startedAt - e.timestamp))[0];
    // The page became visible with its first snapshot, not at the start of its load.
    const nextMeta = metas[i + 1]?.timestamp ?? Infinity;
    const shown = events.find((s) => s.type === EVENT_FULL_SNAPSHOT && s.timestamp >= e.timestamp && s.timestamp < nextMeta);
    return { offset: (shown ?? e).timestamp - first, url, title: nearest?.title };
  });
}

function markers(events: RecordedEvent[], pages: PageEntry[], first: number): TimelineMarker[] {
  const out: TimelineMarker[] = pages.map((p) => ({ offset: p.offset, title: p.title ? `${p.title} — ${p.url}` : p.url, kind: 'page' }));
  const errorTags: string[] = [CUSTOM_TAGS.consoleError, CUSTOM_TAGS.uncaughtError];
  for (const e of events) {
    const data = e.data as { tag?: string; payload?: { message?: unknown } } | undefined;
    if (e.type !== EVENT_CUSTOM || !data?.tag || !errorTags.includes(data.tag)) continue;
    const message = typeof data.payload?.message === 'string' ? data.payload.message.slice(0, 200) : '';
    out.push({ offset: e.timestamp - first, title: `Error on the page${message ? `: ${message}` : ''}`, kind: 'error' });
  }
  return out;
}

/** One marker per search match (a match outside this tab's recording sits at its nearer end). */
function matchMarkers(matches: Match[], first: number, total: number): TimelineMarker[] {
  return matches.map((m) => ({ offset: Math.min(total, Math.max(0, m.at - first)), title: `Match: ${m.snippet.slice(0, 200)}`, kind: 'match' }));
}

function facts(session: ApiSession, viewport: { width: number; height: number }): HTMLElement[] {
  const items: [string, string][] = [
    ['Duration', formatDuration(session.durationMs)],
    ['Browser', [session.browser, session.os].filter(Boolean).join(' · ') || 'Unknown'],
    ['Device', session.deviceType || 'Unknown'],
    ['Viewport', `${session.viewport?.width ?? viewport.width} × ${session.viewport?.height ?? viewport.height}`],
    ['Channel', session.channel],
  ];
  if (session.terminalId) items.push(['Terminal', session.terminalId]);
  // The entry page's context (each PageView keeps its own, sent with its first upload).
  const context = session.pages.find((p) => p.context)?.context;
  if (context) items.push(...pageContextFacts(context));
  items.push(['Session', session.id]);
  return items.map(([k, v]) => h('div', { class: 'fact' }, h('dt', {}, k), h('dd', {}, v)));
}
