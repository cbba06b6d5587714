/** The file lock now lives beside the store's file-backed shared state (store/files/file-lock.ts). */
export { withFileLock } from '../../store/files/file-lock';
