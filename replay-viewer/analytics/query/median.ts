/** The median of whole milliseconds, rounded to a whole ms (the mean of the middle two for an even count); null when empty. */
import quickselect from 'quickselect';

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  // Selection, not a sort: a funnel over 100,000 sessions takes the medians of about a million gaps (each step, for
  // the whole and for every device, browser and channel), and sorting them was a fifth of the report's CPU.
  const v = Float64Array.from(values);
  const mid = v.length >> 1;
  quickselect(v as unknown as number[], mid);
  if (v.length % 2) return v[mid]!;
  // Everything left of `mid` is no greater than it: the lower middle value is their largest.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (v[i]! > lower) lower = v[i]!;
  return Math.round((lower + v[mid]!) / 2);
}
