/**
 * Every threshold of the struggle signals, in one place (docs/STRUGGLE.md explains each rule). A bank tunes them with
 * a JSON file of overrides: `loadThresholds(json)` refuses unknown keys and values out of range with a coded error
 * naming the key, so a typo never silently keeps a default.
 */
import { VerbatimError } from '../../../store/errors';

export const DEFAULT_THRESHOLDS = {
  // Rage clicks. PostHog: 3 clicks within 30 px and 1 s. Ours counts clicks on controls, gestures on plain content (a double-click selecting text is one), see STRUGGLE.md.
  /** Clicks on the same target needed for a rage click (PostHog, Sentry: 3). */
  rageMinClicks: 3,
  /** Longest span from the first to the last click of a burst, ms (PostHog: 1 s). */
  rageWindowMs: 1_000,
  /** Farthest a click of the burst may land from the burst's first click, CSS px (PostHog: 30 px). */
  rageRadiusPx: 30,
  /** Clicks at most this far apart merge into one double-click gesture when the browser reported a dblclick (dead and error clicks; rage on plain content) (ours: Chromium's and Windows' default double-click time is 500 ms). */
  doubleClickMs: 500,

  // Dead clicks. OpenReplay: no DOM change within 1,234 ms; Sentry waits 7 s. We take the shorter, and count more answers.
  /** Time after a click in which a DOM change, navigation, scroll, input or request means the page answered, ms. */
  deadWindowMs: 1_200,

  // Error clicks (ours: a handler's fetch usually starts within a frame; 1.5 s leaves room for a debounce).
  /** Time after a click in which an uncaught error or a failed request started counts as the click's, ms. */
  errorWindowMs: 1_500,

  // Thrashed cursor. OpenReplay: > 4 horizontal direction changes within 225 ms (read as: each change within 225 ms of the last, since a hand cannot reverse 5 times in 225 ms).
  /** Horizontal direction changes needed (more than OpenReplay's 4). */
  thrashMinChanges: 5,
  /** Longest time between two consecutive direction changes of one thrash, ms (OpenReplay: 225 ms). */
  thrashGapMs: 225,
  /** Movement in a direction needed before a change of direction counts, px (ours: filters a trembling hand and sensor jitter). */
  thrashMinSwingPx: 20,

  // Quick back. Clarity compares with the page's averages; we use a fixed, documented bound.
  /** Longest time away from a URL before coming back still counts as a quick back, ms. */
  quickBackMs: 7_000,

  // Excessive scrolling (ours; Clarity uses the page's own averages).
  /** The time over which scrolling is judged, ms. */
  scrollWindowMs: 5_000,
  /** Vertical direction changes within the window, each after a swing of at least scrollMinSwingPx. */
  scrollMinReversals: 4,
  /** Swing needed before a vertical direction change counts, px. */
  scrollMinSwingPx: 200,
  /** Or: distance scrolled within the window, in viewport heights. */
  scrollMaxViewports: 15,

  // Forms (ours).
  /** A pause inside one field (focus to first input, or between two inputs without leaving it) longer than this, ms. */
  hesitationMs: 8_000,
  /** Pauses longer than this are a customer who walked away, not hesitation, ms. */
  hesitationMaxMs: 120_000,
  /** Time after a submit in which an aria-invalid marker or alert/error text counts as a validation error, ms. */
  validationWindowMs: 3_000,

  // Network (ours: Google's RAIL budget calls 1 s a lost flow of thought; 3 s is where people leave).
  /** A request slower than this to its last byte, ms. */
  slowRequestMs: 3_000,
} as const;

export type Thresholds = { -readonly [K in keyof typeof DEFAULT_THRESHOLDS]: number };

/** Bounds per key: [min, max]. Everything is a count, a time or a distance: never negative, never absurd. */
const BOUNDS: Record<keyof Thresholds, [number, number]> = {
  rageMinClicks: [2, 50], rageWindowMs: [100, 60_000], rageRadiusPx: [1, 2_000], doubleClickMs: [0, 2_000],
  deadWindowMs: [100, 60_000], errorWindowMs: [100, 60_000],
  thrashMinChanges: [2, 100], thrashGapMs: [20, 5_000], thrashMinSwingPx: [0, 2_000],
  quickBackMs: [500, 600_000],
  scrollWindowMs: [500, 600_000], scrollMinReversals: [1, 1_000], scrollMinSwingPx: [0, 100_000], scrollMaxViewports: [1, 10_000],
  hesitationMs: [500, 3_600_000], hesitationMaxMs: [1_000, 86_400_000], validationWindowMs: [100, 60_000],
  slowRequestMs: [50, 600_000],
};

/** Keys that count things: whole numbers only. */
const COUNTS: ReadonlySet<string> = new Set(['rageMinClicks', 'thrashMinChanges', 'scrollMinReversals']);

/** Defaults merged with overrides (parsed JSON). Throws CONFIG_INVALID naming the first bad key. */
export function loadThresholds(overrides?: unknown): Thresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  if (overrides === undefined) return out;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new VerbatimError('CONFIG_INVALID', 'struggle thresholds: expected a JSON object of overrides', { key: '' });
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(BOUNDS, key)) {
      throw new VerbatimError('CONFIG_INVALID', `struggle thresholds: unknown key "${key.slice(0, 100)}"`, { key: key.slice(0, 100) });
    }
    const [min, max] = BOUNDS[key as keyof Thresholds];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (COUNTS.has(key) && !Number.isInteger(value))) {
      throw new VerbatimError('CONFIG_INVALID', `struggle thresholds: "${key}" must be a ${COUNTS.has(key) ? 'whole number' : 'number'} from ${min} to ${max}`, { key, min, max });
    }
    out[key as keyof Thresholds] = value;
  }
  if (out.hesitationMaxMs <= out.hesitationMs) {
    throw new VerbatimError('CONFIG_INVALID', 'struggle thresholds: "hesitationMaxMs" must exceed "hesitationMs"', { key: 'hesitationMaxMs' });
  }
  return out;
}
