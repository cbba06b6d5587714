/**
 * The player: rrweb's Replayer in its sandboxed iframe (no scripts, ever: canvases
 * are drawn by the player itself, canvas-painter.ts), at the recorded
 * viewport size (scaled down only when the window is too small), with play/pause,
 * a seek bar with page, error, struggle and idle markers, speeds, skip inactivity (inactivity.ts), keyboard
 * shortcuts (shortcuts.ts), fullscreen and links to a moment. Beside the replay a resizable dock (player-dock.ts)
 * holds the activity feed (activity-feed.ts), the page list, the console (console-panel.ts) and, for the roles
 * allowed, the network waterfall (network-panel.ts); the export buttons for the roles allowed; opened from a search
 * (`?q=`), its matching moments on the seek bar with next/previous (match-navigator.ts).
 *
 * `document.documentElement.dataset.replayReady` is 'true' once a paused moment is
 * fully shown (resources loaded, layout settled) and 'false' while seeking or playing.
 */
import { Replayer, type eventWithTime } from 'rrweb';
import { CUSTOM_TAGS } from '../../recorder/protocol';
import type { RecordedEvent } from '../../store/records';
import { getSession, type ApiSession, type SessionEvents } from './api';
import { streamEvents } from './event-stream-api';
import { showFirstFrame, type FirstFrame } from './first-frame';
import { KEYFRAME_STAGE } from './keyframe-view';
import { displayTime } from '../replay/display-moment';
import { eventSelectOf } from '../replay/event-stream-url';
import { clear, h } from './dom';
import { formatClock, formatDateTime, formatOffset, shortUrl } from './format';
import { CanvasPainter } from './canvas-painter';
import { keepKeysWithPlayer, keepPointerFocusRingless } from './focus-replay';
import { replayerOptions } from './replayer-options';
import { waitForReplayResources } from './readiness';
import { createTimeline, type Timeline, type TimelineMarker } from './timeline';
import { exportActions } from './export-actions';
import { fidelityBadge } from './fidelity-badge';
import { foreignContentBadge } from './foreign-content-badge';
import { outlineReplayNode } from './replay-outline';
import { may, whoAmI, type Me } from './me';
import { createNetworkPanel, type NetworkPanel } from './network-panel';
import { createMatchNavigator, type MatchNavigator } from './match-navigator';
import { sessionMatches, type Match } from './search-api';
import { createDock, DOCK_MIN, type Dock } from './player-dock';
import { sessionFacts } from './session-facts';
import { fullscreenButton, toggleFullscreen } from './fullscreen';
import { createActivityFeed, type ActivityFeed } from './activity-feed';
import { eventItems, networkItems, serverItems, severityOf, SIGNAL_TEXT } from './activity-items';
import { createConsolePanel } from './console-panel';
import { idleGaps, INACTIVITY_MS, skipTarget, type IdleGap } from './inactivity';
import { installShortcuts } from './shortcuts';
import { getSignals } from './signals-api';
import { getNetworkLog, type ApiNetworkLog } from './api';
import { createSessionNotes, type SessionNotes } from './session-notes';
import { noteItems, noteMarkers } from './note-items';
import { EventType } from '../../recorder/rrweb-wire';

const SPEEDS = [1, 2, 4, 8];
/** How long a moment waits for its canvases to be drawn before it is shown without the ones still drawing. */
const CANVAS_WAIT_MS = 10_000;
const FALLBACK_VIEWPORT = { width: 1280, height: 800 };

interface PageEntry {
  offset: number;
  url: string;
  title?: string;
  /** The store's page id, when the page is known to the session (for its struggle score). */
  id?: string;
}

export async function renderPlayer(root: HTMLElement, sessionId: string, params: URLSearchParams): Promise<void> {
  document.documentElement.dataset.view = 'player';
  // For the time-to-first-frame bench (scripts/bench/first-frame.ts): when the script got here.
  performance.mark('verbatim:player');
  setReady(false);
  document.title = 'Session · Verbatim';
  // The page's head script may have painted the moment already (keyframe-view.ts): kept in place as the first frame.
  const keyframe = root.querySelector<HTMLElement>(KEYFRAME_STAGE);
  const status = keyframe ? root.querySelector<HTMLElement>('.player-status')! : h('p', { class: 'player-status', role: 'status' }, 'Loading session…');
  for (const child of Array.from(root.children)) if (child !== keyframe && child !== status) child.remove();
  if (!keyframe) root.append(status);

  let session: ApiSession;
  let loaded: SessionEvents;
  let me: Me | undefined;
  let matches: Match[] | undefined;
  // Opened from a search result: the session's matching moments, for the timeline and next/previous.
  const query = params.get('q')?.trim() ?? '';
  // The frame at the moment asked for arrives first and is drawn at once; the player follows with the whole session.
  let preview: FirstFrame | undefined = keyframe ? { el: keyframe, remove: () => keyframe.remove() } : undefined;
  try {
    [session, loaded, me, matches] = await Promise.all([getSession(sessionId), streamEvents(sessionId, eventSelectOf(params), (frame) => {
      if (preview || !frame.events.some((e) => e.type === EventType.FullSnapshot)) return;
      status.textContent = 'Loading the whole session…';
      try {
        preview = showFirstFrame(root, frame);
      } catch {
        // Only a head start: the player below shows the moment (or says what is wrong) either way.
      }
    }), whoAmI(), query ? sessionMatches(sessionId, query) : undefined]);
  } catch (err) {
    preview?.remove();
    status.classList.add('error');
    status.textContent = `Could not load this session: ${(err as Error).message}`;
    root.prepend(backLink());
    return;
  }
  // For the bench: the whole session is in.
  performance.mark('verbatim:session-loaded');
  if (preview) {
    // Let the first frame be painted before the whole session's player takes over the thread.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    preview.remove();
  }
  const { events } = loaded;
  if (events.length < 2 || !events.some((e) => e.type === EventType.FullSnapshot)) {
    status.textContent = 'This session has no replayable recording (no page snapshot was received).';
    root.prepend(backLink());
    return;
  }
  clear(root);
  const pageIds = loaded.tracks.find((t) => t.index === loaded.track)?.pageIds;
  new PlayerView(root, session, events, params, me, matches ? { query, matches } : undefined, pageIds, loaded.track);
  performance.mark('verbatim:player-built');
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
    // A page that renders no frames (hidden, throttled) runs no check: the deadline holds anyway.
    setTimeout(resolve, 1_100);
  });
}

/** What the moment still waits for, on the root element: for support and for a test that timed out to say so. */
function waitingFor(what: 'canvases' | 'resources' | 'scroll' | undefined): void {
  if (what) document.documentElement.dataset.replayWaiting = what;
  else delete document.documentElement.dataset.replayWaiting;
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
  private userResizedDock = false;
  private skipIdle = true;
  private readonly gaps: IdleGap[];
  /** Offsets of the markers `[` and `]` step through: struggle signals and search matches. */
  private markerOffsets: number[] = [];
  private readonly dock: Dock;
  private readonly feed: ActivityFeed;
  private readonly notes: SessionNotes;
  private readonly struggleBadge: HTMLElement;
  private readonly view: HTMLElement;
  private readonly watchKeys: () => void;
  private afterFirstFrame: (() => void) | undefined;

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
    search?: { query: string; matches: Match[] }, pageIds?: string[], track?: number) {
    this.first = events[0]!.timestamp;
    this.total = Math.max(0, events[events.length - 1]!.timestamp - this.first);
    this.pages = pageEntries(events, session, this.first);
    this.metaOffsets = events.filter((e) => e.type === EventType.Meta).map((e) => e.timestamp - this.first);
    this.snapshotOffsets = events.filter((e) => e.type === EventType.FullSnapshot).map((e) => e.timestamp - this.first);
    const meta = events.find((e) => e.type === EventType.Meta)?.data as { width?: number; height?: number } | undefined;
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
    this.matchNav = search ? createMatchNavigator({
      ...search, first: this.first, total: this.total, openedAt: params.has('at') ? Number(params.get('at')) : undefined, onSeek: (offset) => this.seek(offset),
    }) : undefined;
    const technical = may(me, 'session.technical');
    // One read of the network log for the panel and the feed (each read is a 'technical' audit entry).
    let networkLog: Promise<ApiNetworkLog> | undefined;
    const loadNetwork = (): Promise<ApiNetworkLog> => (networkLog ??= getNetworkLog(session.id));
    this.network = technical ? createNetworkPanel({
      sessionId: session.id, first: this.first, total: this.total, onSeek: (offset) => this.seek(offset), load: loadNetwork,
      widen: () => {
        this.userResizedDock = true;
        this.dock.setWidth(Number.MAX_SAFE_INTEGER); // clamped to the dock's widest
      },
    }) : undefined;
    this.feed = createActivityFeed({
      total: this.total, onSeek: (offset) => this.seek(offset),
      lazy: technical ? { kinds: ['request', 'websocket'], load: async () => networkItems(await loadNetwork(), this.first) } : undefined,
    });
    this.notes = createSessionNotes({
      sessionId: session.id, first: this.first, total: this.total, track,
      pageAt: (offset) => this.pages.filter((p) => p.offset <= offset).pop()?.id ?? this.pages[0]?.id,
      onSeek: (offset) => this.seek(offset),
      reveal: () => { this.dock.setOpen(true); this.dock.show('notes'); },
      onChange: (notes) => {
        const mine = notes.filter((n) => track === undefined || n.track === undefined || n.track === track);
        this.timeline.addMarkers(noteMarkers(mine, this.first, this.total), 'note');
        this.feed.replaceKind('note', noteItems(mine, this.first));
      },
    });
    const consolePanel = createConsolePanel(events, this.first, (offset) => this.seek(offset));
    const pagesButton = h('button', { type: 'button', 'aria-expanded': 'false' }, `Pages (${this.pages.length})`);
    pagesButton.id = 'pages-toggle';
    const pagesPanel = h('section', { class: 'dock-panel pages-panel', 'aria-label': 'Pages visited', hidden: true }, this.pageList);
    pagesPanel.id = 'pages-panel';
    const skipToggle = h('button', { class: 'button small subtle skip-toggle', type: 'button', 'aria-pressed': 'true', title: `Fast-forward stretches without input or change longer than ${INACTIVITY_MS / 1000} s`, onclick: () => {
      this.skipIdle = !this.skipIdle;
      skipToggle.setAttribute('aria-pressed', String(this.skipIdle));
    } }, 'Skip inactivity');
    skipToggle.id = 'skip-toggle';
    this.struggleBadge = h('span', { class: 'struggle-badge', hidden: true });
    const shortcuts = installShortcuts({
      togglePlay: () => this.togglePlay(),
      seekBy: (ms) => this.seek((this.playing ? this.clampedCurrent() : this.position) + ms),
      marker: (dir) => this.stepMarker(dir),
      fullscreen: () => void toggleFullscreen(this.view),
    });

    this.view = h('section', { class: 'player-view' });
    this.dock = createDock(this.view, [
      { id: 'activity', button: this.feed.button, panel: this.feed.panel },
      { id: 'pages', button: pagesButton, panel: pagesPanel },
      { id: 'console', button: consolePanel.button, panel: consolePanel.panel },
      { id: 'notes', button: this.notes.button, panel: this.notes.panel },
      ...(this.network ? [{ id: 'network', button: this.network.toggle, panel: this.network.panel, selfToggling: true }] : []),
    ], () => this.fit());
    this.dock.handle.addEventListener('pointerdown', () => (this.userResizedDock = true));
    this.dock.handle.addEventListener('keydown', () => (this.userResizedDock = true));
    this.view.append(
      h('header', { class: 'session-bar' },
        backLink(),
        h('h1', {}, formatDateTime(session.startedAt)),
        sessionFacts(session, this.recorded),
        fidelityBadge(session.id),
        foreignContentBadge(session.id, { seekTo: (at) => this.seek(at - this.first), outline: (id) => outlineReplayNode(this.replayer, id) }),
        this.struggleBadge,
        // Only a signed-in role that may export (the API refuses the others anyway).
        me && may(me, 'session.export') ? exportActions(session.id, (text) => this.say(text)) : null,
        this.dock.toggle,
        fullscreenButton(this.view),
        shortcuts.button,
      ),
      ...(this.matchNav ? [this.matchNav.element] : []),
      this.notice,
      h('div', { class: 'player-main' },
        h('div', { class: 'stage-column' }, this.stage),
        this.dock.handle,
        this.dock.el,
      ),
      h('div', { class: 'controls' },
        this.playButton,
        h('div', { class: 'time-block' }, this.timeLabel, this.clockLabel),
        this.timeline.el,
        speeds,
        skipToggle,
        this.notes.addButton,
        this.scaleLabel,
        copy,
      ),
      shortcuts.dialog,
    );
    root.append(this.view);
    this.dock.show('activity');
    this.gaps = idleGaps(events, this.first);
    this.timeline.addMarkers(this.gaps.map((g) => ({ offset: g.from, until: g.to, kind: 'idle', title: `Inactive for ${formatOffset(g.to - g.from)}: skipped while playing` })));
    this.markerOffsets = (search?.matches ?? []).map((m) => Math.min(this.total, Math.max(0, m.at - this.first)));
    // The feed and the signals wait for the first frame: the replay is what the user opened the page for.
    this.afterFirstFrame = () => {
      this.feed.add(eventItems(events, this.first));
      void this.notes.load();
      void this.loadSignals(new Set(pageIds ?? session.pages.map((p) => p.id)));
    };
    // Played before a first paused frame settled: not later than this.
    setTimeout(() => this.runAfterFirstFrame(), 3_000);

    this.replayer = new Replayer(events as unknown as eventWithTime[], replayerOptions(this.replayRoot, this.painter, this.speed));
    this.painter.attach(this.replayer);
    // A replay is a picture of the customer's page: named for assistive technology, and out of the Tab order
    // (its fields would otherwise take the keyboard's focus into a page nobody can type in).
    this.replayer.iframe.title = "Replay of the customer's page";
    this.replayer.iframe.tabIndex = -1;
    this.watchKeys = () => keepKeysWithPlayer(this.replayer.iframe);
    this.watchKeys();
    this.replayer.on('fullsnapshot-rebuilded', this.watchKeys);
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

  /** The offset to hand rrweb so that it shows what the customer saw at `offset` (display-moment.ts). */
  private displayOffset(offset: number): number {
    return displayTime(this.metaOffsets, this.snapshotOffsets, offset);
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
      let now = this.clampedCurrent();
      const skipTo = this.skipIdle ? skipTarget(this.gaps, now) : undefined;
      if (skipTo !== undefined) {
        this.replayer.play(skipTo);
        now = skipTo;
      }
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
      this.watchKeys();
      document.documentElement.dataset.replayTime = String(this.first + this.position);
      this.snapToPixels();
      setReady(true);
      // For the bench (scripts/bench/first-frame.ts): the full player shows the moment.
      performance.mark('verbatim:ready');
      // The feed of a long session (thousands of items) and the signals after the ready moment is painted, not before.
      requestAnimationFrame(() => setTimeout(() => this.runAfterFirstFrame(), 0));
    });
  }

  /**
   * Canvases drawn, the document's resources loaded, scrolling still. Again when the painter gave a canvas new
   * pixels meanwhile (rrweb's flush or a late event): the replay document loads those as an image of its own.
   */
  private async showsEverything(iframe: HTMLIFrameElement): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const shown = this.painter.shown;
      waitingFor('canvases');
      // Capped like every wait in readiness.ts: a canvas that cannot be drawn costs that canvas, not the replay.
      await Promise.race([this.painter.idle(), new Promise((resolve) => setTimeout(resolve, CANVAS_WAIT_MS))]);
      waitingFor('resources');
      await waitForReplayResources(iframe);
      waitingFor('scroll');
      await waitForStillScroll(iframe);
      if (this.painter.shown === shown) break;
    }
    waitingFor(undefined);
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
    this.feed.setTime(offset);
    this.notes.setTime(offset);
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
    // The replay at 100% when narrowing the dock (to no less than DOCK_MIN) is enough, unless the user sized it.
    if (!this.userResizedDock && this.dock?.open && availW < width && this.view.clientWidth > 900) {
      const dockWidth = this.dock.el.getBoundingClientRect().width;
      if (dockWidth - (width - availW) >= DOCK_MIN) {
        this.dock.setWidth(dockWidth - (width - availW));
        return; // setWidth calls fit() again with the wider stage
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

  /** Each page's own struggle score beside it in the Pages panel (only pages that have signals). */
  private showPageScores(scores: Record<string, number>): void {
    Array.from(this.pageList.querySelectorAll('.page-item')).forEach((button, i) => {
      const score = this.pages[i]?.id ? scores[this.pages[i]!.id!] : undefined;
      if (!score) return;
      button.append(h('span', { class: `page-struggle${score >= 60 ? ' high' : ''}`, title: `Struggle score of this page: ${score} of 100` }, `Struggle ${score}`));
    });
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

  private runAfterFirstFrame(): void {
    const once = this.afterFirstFrame;
    this.afterFirstFrame = undefined;
    once?.();
  }

  /** `[` / `]`: the previous or next struggle signal or search match, from the moment shown. */
  private stepMarker(direction: 1 | -1): void {
    const now = Math.round(this.playing ? this.clampedCurrent() : this.position);
    const sorted = [...new Set(this.markerOffsets)].sort((x, y) => x - y);
    const to = direction > 0 ? sorted.find((o) => o > now) : sorted.filter((o) => o < now).pop();
    if (to === undefined) this.say(direction > 0 ? 'No marker after this moment.' : 'No marker before this moment.');
    else this.seek(to);
  }

  /** Struggle signals (and the route changes the server saw): timeline markers, feed items, the header's badge. */
  private async loadSignals(pageIds: ReadonlySet<string>): Promise<void> {
    try {
      const answer = await getSignals(this.session.id);
      const signals = answer.signals.filter((sig) => !sig.pageId || pageIds.has(sig.pageId));
      this.feed.add(serverItems({ pages: this.pages, visits: answer.visits, signals, pageIds, first: this.first }));
      this.timeline.addMarkers(signals.map((sig) => {
        const severity = severityOf(sig.name);
        const on = sig.element?.label || sig.element?.selector;
        return { offset: Math.min(this.total, Math.max(0, sig.at - this.first)), kind: 'signal', severity, title: `${SIGNAL_TEXT[sig.name] ?? sig.name} (${severity} severity)${on ? `: ${on}` : ''}` };
      }));
      this.markerOffsets.push(...signals.map((sig) => Math.min(this.total, Math.max(0, sig.at - this.first))));
      this.struggleBadge.textContent = `Struggle ${answer.score}`;
      this.struggleBadge.title = `Struggle score ${answer.score} of 100, from ${answer.signals.length} signal${answer.signals.length === 1 ? '' : 's'} in this session`;
      this.struggleBadge.classList.toggle('high', answer.score >= 60);
      this.struggleBadge.hidden = false;
      this.showPageScores(answer.pageScores ?? {});
    } catch (err) {
      // The replay works without them: say so once, quietly.
      this.feed.add(serverItems({ pages: this.pages, visits: [], signals: [], pageIds, first: this.first }));
      this.say(`Struggle signals are not shown: ${(err as Error).message}`);
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
  // A checkout (recorder/record-options.ts: a fresh full snapshot every few minutes) repeats the Meta of its page.
  const metas = events.filter((e) => e.type === EventType.Meta && typeof (e.data as { href?: unknown })?.href === 'string'
    && (e.data as { checkout?: unknown }).checkout !== true);
  if (!metas.length) return session.pages.map((p) => ({ offset: Math.max(0, p.startedAt - first), url: p.url, title: p.title, id: p.id }));
  return metas.map((e, i) => {
    const url = (e.data as { href: string }).href;
    const candidates = session.pages.filter((p) => p.url === url);
    const nearest = candidates.sort((a, b) => Math.abs(a.startedAt - e.timestamp) - Math.abs(b.startedAt - e.timestamp))[0];
    // The page became visible with its first snapshot, not at the start of its load.
    const nextMeta = metas[i + 1]?.timestamp ?? Infinity;
    const shown = events.find((s) => s.type === EventType.FullSnapshot && s.timestamp >= e.timestamp && s.timestamp < nextMeta);
    return { offset: (shown ?? e).timestamp - first, url, title: nearest?.title, id: nearest?.id };
  });
}

function markers(events: RecordedEvent[], pages: PageEntry[], first: number): TimelineMarker[] {
  const out: TimelineMarker[] = pages.map((p) => ({ offset: p.offset, title: p.title ? `${p.title} — ${p.url}` : p.url, kind: 'page' }));
  const errorTags: string[] = [CUSTOM_TAGS.consoleError, CUSTOM_TAGS.uncaughtError];
  for (const e of events) {
    const data = e.data as { tag?: string; payload?: { message?: unknown } } | undefined;
    if (e.type !== EventType.Custom || !data?.tag || !errorTags.includes(data.tag)) continue;
    const message = typeof data.payload?.message === 'string' ? data.payload.message.slice(0, 200) : '';
    out.push({ offset: e.timestamp - first, title: `Error on the page${message ? `: ${message}` : ''}`, kind: 'error' });
  }
  return out;
}

/** One marker per search match (a match outside this tab's recording sits at its nearer end). */
function matchMarkers(matches: Match[], first: number, total: number): TimelineMarker[] {
  return matches.map((m) => ({ offset: Math.min(total, Math.max(0, m.at - first)), title: `Match: ${m.snippet.slice(0, 200)}`, kind: 'match' }));
}
