/** The query language's public door: parse a query, describe it back (chips, canonical text), its tree types. */
export { parseQuery, QueryError, isQueryError, MAX_QUERY_LENGTH, MAX_DEPTH, MAX_TERMS } from './parse';
export type { ParseOptions } from './parse';
export { chipsOf, formatQuery } from './describe';
export type { Chip } from './describe';
export * from './ast';
