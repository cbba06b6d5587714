/**
 * Struggle analytics (issue #14, first slice): signals and a score computed from what the store holds, fed in the
 * change feed's order like search's extractor, whose node map, selectors and click targets it reuses. Pure: no I/O.
 * docs/STRUGGLE.md defines every signal, threshold and weight.
 */
export { createStruggleDetector, type StruggleDetector } from './detector';
export { DEFAULT_THRESHOLDS, loadThresholds, type Thresholds } from './thresholds';
export { SIGNAL_NAMES, type DwellTime, type Signal, type SignalName } from './signal';
export { dwellCutoffs, dwellSignals, DWELL_DEFAULTS, type DwellCutoffs, type DwellOptions } from './dwell';
export { pageScores, SCORE_SCALE, struggleScore, WEIGHTS } from './score';
export type { ClickNote, PageWatch } from './page-watch';
export type { FieldState } from './forms';
export type { ElementRef } from './elements';
