/** The median of whole milliseconds, rounded to a whole ms (the mean of the middle two for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  // A typed array sorts numerically without a comparator call per pair (100,000 gaps in a few ms).
  const v = Float64Array.from(values).sort();
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : Math.round((v[mid - 1]! + v[mid]!) / 2);
}
