/**
 * The PostgreSQL store's tables, in their own schema (namespace, default `verbatim_store`) so they can share a
 * database with the search index. Ids and keys use the "C" collation: they compare byte-wise, as LevelDB keys do.
 *
 *   records      one row per logical record (record-ids.ts) with the attributes the store looks records up by; the
 *                value inline (`value`) or, above the size threshold, in object storage under `object`
 *   links        hash-chain links, primary key (chain, idx): a second link at one index (a fork) cannot be written
 *   heads        the head of each chain, moved only by compare-and-set
 *   feed         the change feed, seq 1, 2, 3, … without gaps (see postgres-store.ts for how writers agree)
 *   checkpoints  signed checkpoints by seq
 *   meta         settings, holds, the store format
 *   documents    shared documents (accounts, terminals, proxy clients) by name, changed by compare-and-swap on version
 *   logs         shared logs (the audit trail) by (name, seq); both in pg-shared-state.ts
 *   body_deletions  shared bodies an erasure left unnamed, deleted from object storage only after a grace period
 *                (body-deletions.ts): marked → deleting → deleted
 *   objects      PgObjectStorage's table (only when no other object storage is configured)
 *
 * Versioned: meta `pg/schema` holds SCHEMA_VERSION; a newer one than this code knows is refused. Version 2 added
 * body_deletions (an older instance would delete bodies at once, behind the others' backs) and the shared documents
 * and logs (an older instance would keep accounts and its audit trail to itself), so an older one is refused.
 * Version 3 added the functions a commit runs (commit-sql.ts: lock_for_commit, commit_write), created with the
 * tables at every open, so a version 2 store gets them when a version 3 instance opens it.
 */
export const SCHEMA_VERSION = 3;
export const DEFAULT_SCHEMA = 'verbatim_store';
export const SCHEMA_VERSION_KEY = 'pg/schema';

/** A schema name as given in the URL (`?schema=`): a plain identifier, never quoted text. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const schemaSql = (ns: string): string => `
CREATE SCHEMA IF NOT EXISTS ${ns};
CREATE TABLE IF NOT EXISTS ${ns}.meta (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${ns}.records (
  id text COLLATE "C" PRIMARY KEY,
  kind text COLLATE "C" NOT NULL,
  session_id text COLLATE "C" NOT NULL,
  at float8 NOT NULL,
  at_ms bigint NOT NULL,
  url text COLLATE "C",
  shared boolean NOT NULL DEFAULT false,
  blobs text[] COLLATE "C",
  customer_key text COLLATE "C",
  value bytea,
  object text COLLATE "C",
  CHECK ((value IS NULL) <> (object IS NULL))
);
CREATE INDEX IF NOT EXISTS records_by_session ON ${ns}.records (session_id, kind, at_ms, id);
CREATE INDEX IF NOT EXISTS records_sessions ON ${ns}.records (at_ms DESC, session_id DESC) WHERE kind = 'session';
CREATE INDEX IF NOT EXISTS records_shared_url ON ${ns}.records (url, at_ms, id) WHERE kind = 'capture' AND shared;
CREATE INDEX IF NOT EXISTS records_session_url ON ${ns}.records (session_id, url, at_ms, id) WHERE kind = 'capture';
CREATE INDEX IF NOT EXISTS records_customer ON ${ns}.records (customer_key) WHERE customer_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_blobs ON ${ns}.records USING gin (blobs) WHERE blobs IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${ns}.links (chain text COLLATE "C" NOT NULL, idx bigint NOT NULL, value bytea NOT NULL, PRIMARY KEY (chain, idx));
CREATE TABLE IF NOT EXISTS ${ns}.heads (chain text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${ns}.feed (seq bigint PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${ns}.checkpoints (seq bigint PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${ns}.body_deletions (
  digest text COLLATE "C" PRIMARY KEY,
  state text COLLATE "C" NOT NULL CHECK (state IN ('marked', 'deleting', 'deleted')),
  changed_at timestamptz NOT NULL DEFAULT now()
);
`;

export const objectsSql = (ns: string): string => `
CREATE SCHEMA IF NOT EXISTS ${ns};
CREATE TABLE IF NOT EXISTS ${ns}.objects (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
-- Bodies arrive deflated where that pays (blob-codec.ts): TOAST's own compression would only spend CPU again.
ALTER TABLE ${ns}.objects ALTER COLUMN value SET STORAGE EXTERNAL;
`;
