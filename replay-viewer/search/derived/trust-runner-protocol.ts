/** Messages between the trust job (trust-runner.ts) and the trust worker thread (trust-worker.ts), beside store-bridge.ts's. */
import type { TrustFindings } from './trust-compute';

export type TrustWorkerRequest = { type: 'run'; id: number; sessionId: string } | { type: 'close' };

export type TrustWorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; findings: TrustFindings }
  /** The run's error code (SESSION_UNKNOWN: erased meanwhile). */
  | { type: 'failed'; id: number; error: string };
