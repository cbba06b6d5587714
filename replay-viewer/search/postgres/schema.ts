/**
 * The PostgreSQL index's tables, in their own schema (namespace) so they share a database with nothing of ours. The
 * same split as SQLite's (../sqlite/schema.ts): sessions and hits are plain tables; a hit's words exist only as keyed
 * hashes in a tsvector (`doc`, GIN-indexed) and, for snippets, sealed in `hits.snippet`. Text columns use the "C"
 * collation: ids, facet values and keyword matches compare byte-wise, as in SQLite, whatever the database's locale.
 * `host` is the one clear-text column a text term searches, with `LIKE '%.bank.example'`: a pg_trgm GIN index serves
 * those leading wildcards, which a b-tree cannot.
 */
export const SCHEMA_VERSION = 1;
export const DEFAULT_SCHEMA = 'verbatim_search';

export const schemaSql = (ns: string): string => `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS ${ns};
CREATE TABLE IF NOT EXISTS ${ns}.meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${ns}.sessions (
  sid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  channel text COLLATE "C" NOT NULL,
  terminal text COLLATE "C", browser text COLLATE "C", os text COLLATE "C", device text COLLATE "C", country text COLLATE "C",
  started_at float8 NOT NULL, ended_at float8 NOT NULL,
  page_count float8 NOT NULL, duration_ms float8 NOT NULL, active_ms float8 NOT NULL,
  customer_linked boolean NOT NULL DEFAULT false,
  entry_url bytea
);
-- Added after version 1 shipped: the struggle score (0 until the session's next change, or a reindex).
ALTER TABLE ${ns}.sessions ADD COLUMN IF NOT EXISTS score float8 NOT NULL DEFAULT 0;
-- Added later still: the session's error hits (filled from the hits once, postgres-index.ts; then kept by apply).
ALTER TABLE ${ns}.sessions ADD COLUMN IF NOT EXISTS errors float8 NOT NULL DEFAULT 0;
-- Added with the trust job (../derived/trust-job.ts): the replay's fidelity score, NULL until the job has run.
ALTER TABLE ${ns}.sessions ADD COLUMN IF NOT EXISTS fidelity float8;
CREATE INDEX IF NOT EXISTS sessions_newest ON ${ns}.sessions (started_at DESC, id DESC);
-- The session list's other sort orders, each paged on (key, id) (../list-order.ts).
CREATE INDEX IF NOT EXISTS sessions_by_duration ON ${ns}.sessions (duration_ms, id);
CREATE INDEX IF NOT EXISTS sessions_by_pages ON ${ns}.sessions (page_count, id);
CREATE INDEX IF NOT EXISTS sessions_by_errors ON ${ns}.sessions (errors, id);
CREATE INDEX IF NOT EXISTS sessions_by_score ON ${ns}.sessions (score, id);
CREATE INDEX IF NOT EXISTS sessions_by_channel ON ${ns}.sessions (channel, id);
CREATE TABLE IF NOT EXISTS ${ns}.hits (
  hid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sid bigint NOT NULL,
  at float8 NOT NULL,
  kind text COLLATE "C" NOT NULL,
  page_id text COLLATE "C", host text COLLATE "C", method text COLLATE "C", status float8, duration_ms float8,
  snippet bytea,
  doc tsvector NOT NULL
);
CREATE INDEX IF NOT EXISTS hits_session ON ${ns}.hits (sid, at);
CREATE INDEX IF NOT EXISTS hits_status ON ${ns}.hits (status, sid) WHERE status IS NOT NULL;
CREATE INDEX IF NOT EXISTS hits_doc ON ${ns}.hits USING gin (doc);
CREATE INDEX IF NOT EXISTS hits_host ON ${ns}.hits USING gin (host gin_trgm_ops) WHERE host IS NOT NULL;
`;

/** A schema name as given in the URL (`?schema=`): a plain identifier, never quoted text. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
