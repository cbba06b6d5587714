/**
 * A search as the audit trail records it: the query's shape with every value that may be personal (any text field:
 * seen text, typed values, URLs, selectors) replaced by a keyed hash `#…` of the value under the index key. The trail
 * then shows who searched what kind of thing, and someone holding the keys can confirm a suspected query (hash it
 * the same way) without the trail itself revealing a card number or a name. Filters on facts (channel, status,
 * duration, times, …) stay readable; `customer:` stays readable too, as customer lookups are recorded by id already.
 */
import { formatQuery } from './query/index';
import type { QueryNode } from './query/ast';
import type { IndexKey } from './index-key';

const AUDIT_TAG = 'audit';

export function auditedQuery(node: QueryNode, key: IndexKey): string {
  return formatQuery(redact(node, key)).slice(0, 500);
}

function redact(node: QueryNode, key: IndexKey): QueryNode {
  switch (node.kind) {
    case 'and': case 'or': return { ...node, items: node.items.map((n) => redact(n, key)) };
    case 'then': return { ...node, steps: node.steps.map((n) => redact(n, key)) };
    case 'not': return { ...node, item: redact(node.item, key) };
    case 'text': return { ...node, value: `#${key.token(AUDIT_TAG, node.value.toLowerCase()).slice(0, 12)}`, phrase: false };
    default: return node;
  }
}

/** For a query that did not parse: its length and a keyed hash, nothing of its text. */
export function auditedInvalidQuery(text: string, key: IndexKey): string {
  return `(invalid, ${text.length} chars) #${key.token(AUDIT_TAG, text).slice(0, 12)}`;
}

