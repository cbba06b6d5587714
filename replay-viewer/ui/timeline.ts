/**
 * The seek bar: click or drag to seek, arrow keys to step, markers for page loads
 * (and recorder-reported errors, search matches, struggle signals by severity, skipped idle stretches, notes). Markers are
 * drawn inside the slider, whose children assistive technology does not read: the slider describes them instead
 * (aria-describedby, a visually hidden list). Seeks are reported on release; while dragging
 * only the preview moves, so a drag does not rebuild the page dozens of times.
 */
import { h } from './dom';
import { formatOffset } from './format';

export interface TimelineMarker {
  offset: number;
  title: string;
  /** match: a search match (the player was opened with `?q=`); idle: a stretch skipped as inactive (to `until`); note: a user's note. */
  kind: 'page' | 'error' | 'match' | 'signal' | 'idle' | 'note';
  severity?: 'high' | 'medium' | 'low';
  until?: number;
}

export interface Timeline {
  el: HTMLElement;
  /** Moves the handle (ignored while the user drags). */
  setTime(offset: number): void;
  /** Adds markers that arrive later (struggle signals, idle stretches); `replace` drops earlier ones of that kind. */
  addMarkers(markers: TimelineMarker[], replace?: TimelineMarker['kind']): void;
}

const KEY_STEP_MS = 5_000;

export function createTimeline(opts: {
  total: number;
  markers: TimelineMarker[];
  onSeek(offset: number): void;
  onPreview(offset: number | undefined): void;
}): Timeline {
  const total = Math.max(1, opts.total);
  const progress = h('div', { class: 'timeline-progress' });
  const handle = h('div', { class: 'timeline-handle' });
  const hover = h('div', { class: 'timeline-hover', hidden: true });
  const markers = h('div', { class: 'timeline-markers' });
  const described = h('ul', { class: 'visually-hidden' });
  described.id = 'timeline-markers-described';
  const addMarkers = (list: TimelineMarker[], replace?: TimelineMarker['kind']): void => {
    if (replace) for (const old of Array.from(markers.querySelectorAll(`.timeline-marker.${replace}`))) old.remove();
    if (replace) for (const old of Array.from(described.querySelectorAll(`li.${replace}`))) old.remove();
    for (const m of list) {
      const title = `${formatOffset(m.offset)} · ${m.title}`;
      const marker = h('div', { class: `timeline-marker ${m.kind}${m.severity ? ` severity-${m.severity}` : ''}`, title, 'data-offset': m.offset });
      marker.style.left = `${(m.offset / total) * 100}%`;
      if (m.until !== undefined) marker.style.width = `${(Math.max(0, m.until - m.offset) / total) * 100}%`;
      markers.append(marker);
      if (m.kind === 'signal' || m.kind === 'idle' || m.kind === 'error' || m.kind === 'note') described.append(h('li', { class: m.kind }, title));
    }
  };
  addMarkers(opts.markers);
  const el = h('div', {
    class: 'timeline', role: 'slider', tabindex: 0, 'aria-label': 'Playback position',
    'aria-valuemin': 0, 'aria-valuemax': Math.round(total / 1000), 'aria-describedby': described.id,
  }, h('div', { class: 'timeline-track' }, progress), markers, handle, hover, described);

  let current = 0;
  let dragging = false;

  const paint = (offset: number): void => {
    const pct = `${(Math.min(total, Math.max(0, offset)) / total) * 100}%`;
    progress.style.width = pct;
    handle.style.left = pct;
    el.setAttribute('aria-valuenow', String(Math.round(offset / 1000)));
    el.setAttribute('aria-valuetext', `${formatOffset(offset)} of ${formatOffset(total)}`);
  };
  const offsetAt = (clientX: number): number => {
    const rect = el.getBoundingClientRect();
    const ratio = rect.width ? (clientX - rect.left) / rect.width : 0;
    return Math.round(Math.min(1, Math.max(0, ratio)) * total);
  };

  el.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    dragging = true;
    el.setPointerCapture(ev.pointerId);
    el.classList.add('dragging');
    const offset = offsetAt(ev.clientX);
    paint(offset);
    opts.onPreview(offset);
    ev.preventDefault();
  });
  el.addEventListener('pointermove', (ev) => {
    const offset = offsetAt(ev.clientX);
    hover.hidden = false;
    hover.textContent = formatOffset(offset);
    hover.style.left = `${(offset / total) * 100}%`;
    if (dragging) {
      paint(offset);
      opts.onPreview(offset);
    }
  });
  el.addEventListener('pointerleave', () => {
    hover.hidden = true;
  });
  const release = (ev: PointerEvent, commit: boolean): void => {
    if (!dragging) return;
    dragging = false;
    el.classList.remove('dragging');
    opts.onPreview(undefined);
    if (commit) opts.onSeek(offsetAt(ev.clientX));
    else paint(current);
  };
  el.addEventListener('pointerup', (ev) => release(ev, true));
  el.addEventListener('pointercancel', (ev) => release(ev, false));
  el.addEventListener('keydown', (ev) => {
    let target: number | undefined;
    if (ev.key === 'ArrowLeft') target = current - KEY_STEP_MS;
    else if (ev.key === 'ArrowRight') target = current + KEY_STEP_MS;
    else if (ev.key === 'Home') target = 0;
    else if (ev.key === 'End') target = total;
    if (target === undefined) return;
    ev.preventDefault();
    ev.stopPropagation();
    opts.onSeek(Math.min(total, Math.max(0, target)));
  });

  paint(0);
  return {
    el,
    setTime(offset) {
      current = offset;
      if (!dragging) paint(offset);
    },
    addMarkers,
  };
}
