/** The one place that picks the index's backend: PostgreSQL at a `postgres://` URL, else SQLite in its folder. */
import type { IndexKey } from './index-key';
import type { SearchIndex } from './search-index';
import { PostgresSearchIndex } from './postgres/postgres-index';
import { SqliteSearchIndex } from './sqlite/sqlite-index';

export function newSearchIndex(where: { searchUrl?: string; indexDir: string }, key: IndexKey): SearchIndex {
  return where.searchUrl ? new PostgresSearchIndex({ connection: where.searchUrl }, key) : new SqliteSearchIndex(where.indexDir, key);
}
