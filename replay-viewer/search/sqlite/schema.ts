/**
 * The SQLite index's tables. Sessions and hits are plain tables (facts and hit columns filter and sort); the hit text
 * lives only in a contentless FTS5 table as keyed hashes (index-key.ts) and, for snippets, sealed in `hits.snippet`.
 * Contentless with delete support so an erased session's rows leave the full-text index too, and FTS5's
 * secure-delete so they leave its pages, not just get marked deleted until the next merge.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
  sid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL,
  terminal TEXT, browser TEXT, os TEXT, device TEXT, country TEXT,
  started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,
  page_count INTEGER NOT NULL, duration_ms INTEGER NOT NULL, active_ms INTEGER NOT NULL,
  customer_linked INTEGER NOT NULL DEFAULT 0,
  entry_url BLOB,
  score INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  fidelity INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_newest ON sessions (started_at DESC, id DESC);
-- The session list's other sort orders, each paged on (key, id) (../list-order.ts); walked backwards for descending.
CREATE INDEX IF NOT EXISTS sessions_by_duration ON sessions (duration_ms, id);
CREATE INDEX IF NOT EXISTS sessions_by_pages ON sessions (page_count, id);
CREATE INDEX IF NOT EXISTS sessions_by_errors ON sessions (errors, id);
CREATE INDEX IF NOT EXISTS sessions_by_score ON sessions (score, id);
CREATE INDEX IF NOT EXISTS sessions_by_channel ON sessions (channel, id);
CREATE TABLE IF NOT EXISTS hits (
  hid INTEGER PRIMARY KEY,
  sid INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  page_id TEXT, host TEXT, method TEXT, status INTEGER, duration_ms INTEGER,
  snippet BLOB
);
-- A session's hits by kind, then time: a then-step's moment (the first url hit after t) reads only that kind's
-- entries, with no row fetched; status the same for \`status:>=500\` steps. (Replaces hits_session (sid, at).)
DROP INDEX IF EXISTS hits_session;
CREATE INDEX IF NOT EXISTS hits_session_kind ON hits (sid, kind, at);
CREATE INDEX IF NOT EXISTS hits_session_status ON hits (sid, status, at) WHERE status IS NOT NULL;
CREATE INDEX IF NOT EXISTS hits_status ON hits (status, sid) WHERE status IS NOT NULL;
CREATE INDEX IF NOT EXISTS hits_host ON hits (host, sid) WHERE host IS NOT NULL;
-- Every host the hits name (a few thousand at most): \`host:bank.example\` resolves here to exact hosts, which the
-- hits_host index then finds, instead of a LIKE over every hit. Kept in step with hits (erasure prunes it).
CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS hit_fts USING fts5 (
  words, field, wprefix, loc,
  content = '', contentless_delete = 1, tokenize = 'ascii', detail = full
);
CREATE VIRTUAL TABLE IF NOT EXISTS hit_vocab USING fts5vocab (hit_fts, 'row');
`;

export { TAG } from '../hit-tokens';
