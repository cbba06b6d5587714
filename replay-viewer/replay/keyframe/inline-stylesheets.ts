/**
 * The keyframe's linked stylesheets, inlined from the archive: a `<link rel="stylesheet">` written into the
 * keyframe's document is parser-inserted, so the frame's first paint waited for the archive's answer (a request
 * from the page, ~100–200 ms on this VM under load: docs/MEASUREMENTS.md, "Time to first frame"). The server has the bytes: the
 * text the archive would serve (already rewritten into the archive: archived-response.ts) becomes the link's
 * `_cssText`, which serialize-html.ts writes as a `<style>` as for a stylesheet rrweb could read. A link the archive
 * answers with nothing a browser applies (no capture, a status that is not ok) is dropped; anything else (a body
 * that is not CSS, another session's archive path, a store error) stays a link, as before.
 */
import { parseArchiveTarget, type ArchiveTarget } from '../archive-url';
import type { FrameTree, TreeNode } from './frame-tree';

/** The text the archive serves for a stylesheet; null when a browser would apply nothing; undefined to leave it a link. */
export type StylesheetSource = (target: ArchiveTarget) => Promise<string | null | undefined>;

/** How to inline: the session whose archive paths may be read, and where the text comes from (ReplayLibrary). */
export interface KeyframeStyles {
  sessionId: string;
  stylesheet: StylesheetSource;
}

export async function inlineStylesheets(tree: FrameTree, styles: KeyframeStyles): Promise<void> {
  const links = [...tree.nodes.values()].filter(isLinkedStylesheet);
  await Promise.all(links.map(async (link) => {
    // Only this session's archive: a recorded path that merely looks archived is not rewritten (archive-url.ts).
    const target = parseArchiveTarget(link.attrs.get('href') ?? '');
    if (!target || target.sessionId !== styles.sessionId) return;
    const css = await styles.stylesheet(target).catch(() => undefined);
    if (css === null) remove(link);
    else if (css !== undefined) link.attrs.set('_cssText', css);
  }));
}

function isLinkedStylesheet(node: TreeNode): boolean {
  if (node.tag !== 'link' || node.attrs.has('_cssText')) return false;
  const rel = (node.attrs.get('rel') ?? '').toLowerCase().split(/\s+/);
  return rel.includes('stylesheet') && !rel.includes('alternate') && !node.attrs.has('disabled');
}

function remove(node: TreeNode): void {
  const siblings = node.parent?.children;
  const at = siblings?.indexOf(node) ?? -1;
  if (at >= 0) siblings!.splice(at, 1);
}
