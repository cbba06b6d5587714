/**
 * Outlines one recorded node in the replay (a foreign-content flag's element): the outline is an attribute on the
 * rebuilt node inside the sandboxed replay frame, which the next seek's rebuild drops again.
 */
import type { Replayer } from 'rrweb';

const OUTLINED = 'data-verbatim-outlined';

export function outlineReplayNode(replayer: Replayer, nodeId: number): boolean {
  const doc = replayer.iframe.contentDocument;
  for (const old of doc?.querySelectorAll(`[${OUTLINED}]`) ?? []) {
    (old as HTMLElement).style.removeProperty('outline');
    old.removeAttribute(OUTLINED);
  }
  const node = replayer.getMirror().getNode(nodeId) as Node | null;
  const el = node && node.nodeType === 1 ? (node as HTMLElement) : node?.parentElement;
  if (!el?.isConnected || !el.style) return false;
  el.setAttribute(OUTLINED, '');
  el.style.setProperty('outline', '3px solid #cf222e', 'important');
  el.style.setProperty('outline-offset', '2px', 'important');
  el.scrollIntoView?.({ block: 'center' });
  return true;
}
