/**
 * The box a replay frame is shown in before the player's layout exists (the rrweb first frame, first-frame.ts, and
 * the keyframe painted by the page's head script, keyframe-view.ts): the player's rule (fit()), the recorded size
 * scaled down only when the space is smaller, so both sit where and how the other does.
 */
export interface Stage {
  /** `.stage.first-frame`, appended to the container. */
  el: HTMLElement;
  /** `.replay-root`, where the frame goes (recorded size, scaled). */
  root: HTMLElement;
}

export const FALLBACK_VIEWPORT = { width: 1280, height: 800 };

export function frameStage(container: HTMLElement, size: { width?: number; height?: number } | undefined): Stage {
  const { width, height } = size?.width && size.height ? { width: size.width, height: size.height } : FALLBACK_VIEWPORT;
  const div = (className: string, ...children: HTMLElement[]) => {
    const el = document.createElement('div');
    el.className = className;
    el.append(...children);
    return el;
  };
  const root = div('replay-root');
  const box = div('replay-frame', root);
  const el = div('stage first-frame', box);
  container.append(el);
  const availW = el.clientWidth;
  const availH = Math.max(200, window.innerHeight - el.getBoundingClientRect().top);
  const scale = Math.min(1, availW / width, availH / height);
  box.style.width = `${Math.floor(width * scale)}px`;
  box.style.height = `${Math.floor(height * scale)}px`;
  root.style.width = `${width}px`;
  root.style.height = `${height}px`;
  root.style.transform = scale < 1 ? `scale(${scale})` : 'none';
  return { el, root };
}
