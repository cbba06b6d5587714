/**
 * A stored hit's text, opened to tell which hits a derived job's replacement covers (IndexBatch.replaceKinds' `texts`):
 * hit texts are sealed, so no backend can select them by value. Shared by both backends.
 */
import type { IndexKey } from './index-key';

/** Whether the sealed snippet holds exactly one of `texts` (short texts: a long one was cut when sealed; one that does not open holds none). */
export function sealedTextIn(key: IndexKey, snippet: Uint8Array | null, sessionId: string, texts: readonly string[]): boolean {
  if (!snippet) return texts.includes('');
  let text: string;
  try {
    text = key.open(snippet, `hit:${sessionId}`);
  } catch {
    return false;
  }
  return texts.includes(text);
}
