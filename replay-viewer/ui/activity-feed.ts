/**
 * The activity feed in the player's dock: the items of activity-items.ts on the replay's clock. The item at the
 * moment shown is highlighted and kept in view; clicking an item seeks there; chips filter by kind. Requests and
 * WebSocket messages come from the network log, read (and audited as 'technical') only when their chip is first
 * pressed, as the network panel does, so watching a replay reads no more than it did.
 */
import { h } from './dom';
import { formatOffset } from './format';
import { ACTIVITY_KINDS, sortItems, type ActivityItem, type ActivityKind } from './activity-items';

const KIND_TEXT: Record<ActivityKind, string> = {
  page: 'Pages', route: 'Routes', click: 'Clicks', input: 'Inputs', error: 'Errors', marker: 'Markers', signal: 'Struggle', note: 'Notes', request: 'Requests', websocket: 'WebSocket',
};

export interface ActivityFeed {
  button: HTMLButtonElement;
  panel: HTMLElement;
  /** Adds items (the server's answers arrive after the events). */
  add(items: ActivityItem[]): void;
  /** Replaces every item of one kind (notes change while the player is open). */
  replaceKind(kind: ActivityKind, items: ActivityItem[]): void;
  setTime(offset: number): void;
}

export function createActivityFeed(opts: {
  total: number;
  onSeek(offset: number): void;
  /** Loads items on demand (the network log), for kinds not shown until asked. */
  lazy?: { kinds: ActivityKind[]; load(): Promise<ActivityItem[]> };
}): ActivityFeed {
  let items: { item: ActivityItem; el: HTMLLIElement }[] = [];
  const off = new Set<ActivityKind>(opts.lazy?.kinds ?? []);
  let current = -1;
  // The item last clicked: shown as current over others at the same moment (an error and the click that caused it).
  let chosen: ActivityItem | undefined;
  let shown = 0;
  let loading: Promise<void> | undefined;
  let lazyLoaded = false;
  const list = h('ol', { class: 'activity-list', 'aria-label': 'Activity, in time order' });
  const empty = h('p', { class: 'activity-empty', hidden: true }, 'Nothing of these kinds happened in this tab.');
  const chips = h('div', { class: 'activity-chips', role: 'group', 'aria-label': 'Show activity of kind' });
  const chipFor = new Map<ActivityKind, HTMLButtonElement>();
  for (const kind of ACTIVITY_KINDS) {
    const lazy = opts.lazy?.kinds.includes(kind) ?? false;
    if (kind === 'request' || kind === 'websocket') if (!lazy) continue; // only roles with technical views
    const chip = h('button', {
      type: 'button', class: `activity-chip kind-${kind}`, 'data-kind': kind, 'aria-pressed': String(!off.has(kind)),
      title: lazy ? 'Reads the network log (recorded in the audit trail as a technical view)' : undefined,
      onclick: () => void toggle(kind),
    }, KIND_TEXT[kind]);
    chipFor.set(kind, chip);
    chips.append(chip);
  }
  const panel = h('section', { class: 'dock-panel activity-panel', 'aria-label': 'Activity' }, chips, list, empty);
  panel.id = 'activity-panel';
  const button = h('button', { type: 'button', 'aria-expanded': 'true' }, 'Activity');
  button.id = 'activity-toggle';

  const toggle = async (kind: ActivityKind): Promise<void> => {
    if (off.has(kind)) off.delete(kind);
    else off.add(kind);
    if (!off.has(kind) && opts.lazy?.kinds.includes(kind)) {
      loading ??= opts.lazy.load().then((more) => {
        lazyLoaded = true;
        add(more);
      }, (err: Error) => {
        empty.hidden = false;
        empty.textContent = `Could not load the network log: ${err.message}`;
      });
      await loading;
    }
    render();
  };

  const render = (): void => {
    let visible = 0;
    for (const { item, el } of items) {
      el.hidden = off.has(item.kind);
      if (!el.hidden) visible++;
    }
    for (const [kind, chip] of chipFor) {
      const n = items.filter((i) => i.item.kind === kind).length;
      chip.setAttribute('aria-pressed', String(!off.has(kind)));
      chip.textContent = opts.lazy?.kinds.includes(kind) && !lazyLoaded ? KIND_TEXT[kind] : `${KIND_TEXT[kind]} ${n}`;
    }
    empty.hidden = visible > 0;
    current = -1;
    setTime(shown);
  };
  const add = (more: ActivityItem[], drop?: ActivityKind): void => {
    const kept = drop ? items.filter((i) => i.item.kind !== drop) : items;
    if (drop && chosen?.kind === drop) chosen = undefined;
    const all = sortItems([...kept.map((i) => i.item), ...more], opts.total);
    const els = new Map(items.map((i) => [i.item, i.el]));
    const seek = (item: ActivityItem): void => {
      chosen = item;
      opts.onSeek(item.offset);
    };
    items = all.map((item) => ({ item, el: els.get(item) ?? itemElement(item, seek) }));
    list.replaceChildren(...items.map((i) => i.el));
    render();
  };

  const setTime = (offset: number): void => {
    shown = offset;
    let at = -1;
    for (let i = 0; i < items.length && items[i]!.item.offset <= offset; i++) if (!items[i]!.el.hidden) at = i;
    const pick = chosen && items[at]?.item.offset === chosen.offset ? items.findIndex((i) => i.item === chosen) : -1;
    if (pick >= 0 && !items[pick]!.el.hidden) at = pick;
    if (at === current) return;
    const previous = items[current]?.el;
    previous?.classList.remove('current');
    previous?.removeAttribute('aria-current');
    current = at;
    const el = items[at]?.el;
    if (!el) return;
    el.classList.add('current');
    el.setAttribute('aria-current', 'true');
    if (!panel.hidden) el.scrollIntoView({ block: 'nearest' });
  };

  return { button, panel, add: (more) => add(more), replaceKind: (kind, more) => add(more, kind), setTime };
}

function itemElement(item: ActivityItem, onSeek: (item: ActivityItem) => void): HTMLLIElement {
  const attrs: Record<string, string> = { class: `activity-item kind-${item.kind}`, 'data-kind': item.kind, 'data-offset': String(item.offset) };
  if (item.input) attrs['data-input'] = item.input;
  if (item.severity) attrs['data-severity'] = item.severity;
  return h('li', attrs,
    h('button', { type: 'button', class: 'activity-seek', title: `Show this moment (${formatOffset(item.offset)})`, onclick: () => onSeek(item) },
      h('span', { class: 'activity-time' }, formatOffset(item.offset)),
      h('span', { class: 'activity-kind' }, kindWord(item)),
      h('span', { class: 'activity-label' }, item.label),
      item.detail ? h('span', { class: `activity-detail${item.input ? ` input-${item.input}` : ''}` }, item.detail) : null));
}

function kindWord(item: ActivityItem): string {
  switch (item.kind) {
    case 'page': return 'Page';
    case 'route': return 'Route';
    case 'click': return 'Click';
    case 'input': return 'Input';
    case 'error': return 'Error';
    case 'marker': return 'Marker';
    case 'signal': return `Struggle · ${item.severity ?? 'low'}`;
    case 'note': return 'Note';
    case 'request': return 'Request';
    case 'websocket': return 'WS';
  }
}
