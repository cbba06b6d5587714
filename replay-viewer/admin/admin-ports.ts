/**
 * What the administrator screens are given by the CLI (scripts/cli.ts): the viewer holds no ingest or proxy code, so
 * kiosk terminals and the running policy reach it through these small interfaces.
 */

/** A kiosk terminal as the administrator sees it: enrolment, last contact, and the queue it last reported. */
export interface TerminalView {
  id: string;
  createdAt: number;
  revokedAt?: number;
  lastSeenAt?: number;
  reportedAt?: number;
  queue?: { items: number; bytes: number; oldestAt?: number };
  dropped?: { items: number; bytes: number };
  lastUploadAt?: number;
  lastError?: { at: number; message: string };
  /** A request named this terminal with a token the collector does not accept. */
  tokenRefusedAt?: number;
}

export interface TerminalAdmin {
  list(): Promise<TerminalView[]>;
  /** Issues a new collector token (replacing an earlier one); returned once, never stored in clear. */
  enrol(id: string): Promise<string>;
  /** False when the terminal is unknown. */
  revoke(id: string): Promise<boolean>;
}

/** The recording policy in force, read-only: what sets each part is said beside it. */
export interface PolicyView {
  retention: {
    /** Days per channel; absent channels are kept until erased by hand. Null: nothing expires. */
    days: Record<string, number> | null;
    setBy: string;
  };
  masking: {
    file: string;
    /** The file was absent: the built-in defaults apply. */
    defaults: boolean;
    detectors: { cards: boolean; ibans: boolean; securityCodes: boolean };
    fields: string[];
    maskSelectors: string[];
    blockSelectors: string[];
    maskInputTypes: string[];
    jsonPaths: string[];
    patterns: { name: string; regex: string }[];
    setBy: string;
  };
  /** Why it cannot be changed here. */
  changes: string;
}
