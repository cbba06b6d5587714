/** The PostgreSQL backend's door (kept out of store/index.ts so the default store never loads `pg`). */
export { PostgresStore } from './postgres-store';
export type { PostgresStoreOptions } from './postgres-store';
export { PgObjectStorage } from './pg-object-storage';
export type { PgObjectStorageOptions } from './pg-object-storage';
export type { ObjectStorage } from '../base/object-storage';
