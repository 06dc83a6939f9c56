/** Median of `xs` (the mean of the two middle values when their count is even); NaN if empty. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/**
 * The `q` quantile of `xs` (0 ≤ q ≤ 1), interpolating linearly between the two nearest order
 * statistics (the common "type 7" definition, so quartiles of few rounds stay inside the data);
 * NaN if empty.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (at - lo);
}
