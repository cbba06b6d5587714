/** The player's fullscreen button (Fullscreen API on the whole player: replay, panels and controls together). */
import { h } from './dom';

export function fullscreenButton(target: HTMLElement): HTMLButtonElement {
  const button = h('button', { class: 'button small subtle', type: 'button', 'aria-pressed': 'false', title: 'Fullscreen (f)' }, 'Fullscreen');
  button.id = 'fullscreen-toggle';
  button.addEventListener('click', () => void toggleFullscreen(target));
  document.addEventListener('fullscreenchange', () => {
    const on = document.fullscreenElement === target;
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? 'Exit fullscreen' : 'Fullscreen';
  });
  if (!document.fullscreenEnabled) button.disabled = true;
  return button;
}

export async function toggleFullscreen(target: HTMLElement): Promise<void> {
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await target.requestFullscreen();
  } catch {
    /* refused (not from a user gesture, or not allowed here): the button simply does nothing */
  }
}
