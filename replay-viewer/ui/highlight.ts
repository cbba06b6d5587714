/**
 * A recorded snippet with the query's words marked. Snippets are recorded content, so hostile: they become text
 * nodes and <mark> elements, never markup.
 */
import { h } from './dom';

export function highlighted(snippet: string, words: string[]): Node[] {
  const needles = [...new Set(words.map((w) => w.toLowerCase()).filter(Boolean))].sort((a, b) => b.length - a.length);
  const lower = snippet.toLowerCase();
  // Lower-casing a few characters changes the length; positions would drift, so mark nothing then.
  if (lower.length !== snippet.length) return [document.createTextNode(snippet)];
  const out: Node[] = [];
  let plainFrom = 0;
  let i = 0;
  while (i < snippet.length && needles.length) {
    // Longest needle first, so "5.1 %" wins over "5".
    const hit = needles.find((n) => lower.startsWith(n, i));
    if (!hit) {
      i++;
      continue;
    }
    if (i > plainFrom) out.push(document.createTextNode(snippet.slice(plainFrom, i)));
    out.push(h('mark', {}, snippet.slice(i, i + hit.length)));
    i += hit.length;
    plainFrom = i;
  }
  if (plainFrom < snippet.length) out.push(document.createTextNode(snippet.slice(plainFrom)));
  return out;
}
