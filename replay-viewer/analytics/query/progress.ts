/** What a long view reports while it computes: the phase it is in, out of how many (streamed to the page). */
export interface Progress { phase: string; done: number; total: number }
export type OnProgress = (p: Progress) => Promise<void> | void;
