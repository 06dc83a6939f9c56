import { OutOfRangeError } from '@elara/core';

/** Settings of the session's consensus rule. */
export interface ConsensusRule {
  /**
   * Fraction of the offsets dropped at each end before averaging (default 0.25: the middle half
   * is averaged). At least one is dropped at each end from three offsets on, so one liar never
   * enters the mean.
   */
  readonly trim: number;
  /**
   * Offsets further than this from the lower median are left out altogether, µs (default 5 s).
   * It guards the one-step join: before anyone has aligned, honest clocks may differ by seconds,
   * and a liar far outside them must not move the median they align to. Those left in must be a
   * strict majority of all the offsets, or there is no consensus (NaN): with two values five
   * seconds apart nothing tells the liar from the honest clock, so neither is followed.
   */
  readonly outlierUs: number;
}

/** The defaults of {@link ConsensusRule}. */
export const CONSENSUS_DEFAULTS: ConsensusRule = { trim: 0.25, outlierUs: 5_000_000 };

/** Checks a rule, so a bad one fails with a named error. */
export function checkConsensusRule(rule: ConsensusRule): ConsensusRule {
  if (!(rule.trim >= 0 && rule.trim < 0.5)) {
    throw new OutOfRangeError(`trim must be in [0, 0.5), got ${rule.trim}`);
  }
  if (!(rule.outlierUs > 0)) throw new OutOfRangeError(`outlierUs must be > 0`);
  return rule;
}

/**
 * Sorts `values[0, count)` and returns the bounds `[lo, hi)` of those within `outlierUs` of the
 * lower median, or undefined when they are not a strict majority.
 */
function near(
  values: Float64Array,
  count: number,
  outlierUs: number,
): [number, number] | undefined {
  const sorted = values.subarray(0, count).sort();
  const median = sorted[(count - 1) >> 1] as number;
  let lo = 0;
  let hi = count;
  while (lo < hi && (sorted[lo] as number) < median - outlierUs) lo++;
  while (hi > lo && (sorted[hi - 1] as number) > median + outlierUs) hi--;
  // The lower median of two values far apart is the lower one: without this a lone peer far
  // below us would be followed, one far above ignored.
  return 2 * (hi - lo) > count ? [lo, hi] : undefined;
}

/**
 * The one step of a join: the **lower median** (for an even count, the lower of the two middle
 * values) of the offsets `values[0, count)` that lie within `outlierUs` of it, our own clock
 * included as 0. Sorts them in place; NaN for no values, or when those within `outlierUs` are not
 * a strict majority (no consensus: keep our own clock).
 *
 * Why the lower median: nodes that join together align at slightly different moments, so some
 * see peers already aligned and others not. The lower median is one member's clock, and a set
 * whose members move onto that value keeps it as its lower median, so late and early aligners
 * land on the same clock. (The mean of the two middle values moves when one member joins it.)
 *
 * @example
 * joinOffset(Float64Array.of(0, -1_850_000, 420_000, 10_000_000), 4, CONSENSUS_DEFAULTS); // 0
 */
export function joinOffset(values: Float64Array, count: number, rule: ConsensusRule): number {
  if (count <= 0) return Number.NaN;
  const bounds = near(values, count, rule.outlierUs);
  if (bounds === undefined) return Number.NaN;
  const [lo, hi] = bounds;
  return values[lo + ((hi - lo - 1) >> 1)] as number;
}

/**
 * The session's offset from us: the **trimmed mean** of the offsets `values[0, count)` that lie
 * within `outlierUs` of their lower median, our own clock included as 0: drop
 * `max(1, ⌊n · trim⌋)` at each end (none for two values), average the rest. Sorts them in place;
 * NaN for no values, or when those within `outlierUs` are not a strict majority.
 *
 * One liar, wherever it sits, only shifts which honest values are averaged. On eight nodes this
 * measured the same as the plain median; it is preferred because two nodes need the mean of the
 * two (they meet halfway) and larger sessions average more honest estimates.
 *
 * @example
 * sessionOffset(Float64Array.of(0, 1_200, -800, 400, 10_000_000), 5, CONSENSUS_DEFAULTS); // 200
 */
export function sessionOffset(values: Float64Array, count: number, rule: ConsensusRule): number {
  if (count <= 0) return Number.NaN;
  const bounds = near(values, count, rule.outlierUs);
  if (bounds === undefined) return Number.NaN;
  const [lo, hi] = bounds;
  const n = hi - lo;
  const drop = n >= 3 ? Math.max(1, Math.floor(n * rule.trim)) : 0;
  let sum = 0;
  for (let i = lo + drop; i < hi - drop; i++) sum += values[i] as number;
  return sum / (n - 2 * drop);
}
