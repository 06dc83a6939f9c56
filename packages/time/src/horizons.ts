import type { HorizonRange } from './horizon-range.ts';
import type { PathConditions } from './path-conditions.ts';

/** The weights of the horizon formula (README "Horizons"). */
export interface HorizonWeights {
  /** Hp per µs of jitter (default 2.5, the reference's k1). */
  readonly jitterPredict: number;
  /** Hc per µs of jitter (default 3: 3·J covers 95 % of exponential delay variation). */
  readonly jitterCorrect: number;
  /**
   * Hc per µs of reordering hold-back `reorderDepth × intervalUs` (default 1); Hc takes the
   * larger of this and the jitter term, since both measure the same lateness.
   */
  readonly reorder: number;
  /** Hc per µs of RTT (default 0.5: the one-way transit every event spends). */
  readonly transit: number;
  /**
   * Hp bridges the longest run of lost frames that occurs with at least this probability
   * (default 0.01).
   */
  readonly lossCoverage: number;
}

/** The default {@link HorizonWeights}. */
export const HORIZON_WEIGHTS: HorizonWeights = {
  jitterPredict: 2.5,
  jitterCorrect: 3,
  reorder: 1,
  transit: 0.5,
  lossCoverage: 0.01,
};

/**
 * Frames of a loss run to bridge at loss rate `L`: the run length `n` with `Lⁿ = ε`, i.e.
 * `ln ε / ln L` (1 at L = ε, 2 at L = √ε), and `L / ε` below ε, where a run of even one lost
 * packet is rarer than ε. Continuous and non-decreasing in L.
 *
 * @example
 * lossRunFrames(0.1, 0.01); // 2
 */
export function lossRunFrames(lossRate: number, epsilon: number): number {
  if (!(lossRate > 0)) return 0;
  if (lossRate <= epsilon) return lossRate / epsilon;
  if (lossRate >= 1) return Number.POSITIVE_INFINITY;
  return Math.log(epsilon) / Math.log(lossRate);
}

/**
 * How far ahead prediction must reach on a path, µs: the jitter tail plus the gap of a loss
 * run, `jitterPredict · J + frameInterval · lossRunFrames(L)`.
 */
export function predictionNeedUs(
  c: PathConditions,
  frameIntervalUs: number,
  w: HorizonWeights = HORIZON_WEIGHTS,
): number {
  return w.jitterPredict * c.jitterUs + frameIntervalUs * lossRunFrames(c.lossRate, w.lossCoverage);
}

/**
 * How late a correction can come on a path, µs: the one-way transit plus the larger of the
 * jitter tail and the reordering hold-back, `transit · RTT + max(jitterCorrect · J,
 * reorder · depth · interval)`.
 */
export function correctionNeedUs(c: PathConditions, w: HorizonWeights = HORIZON_WEIGHTS): number {
  const jitter = w.jitterCorrect * c.jitterUs;
  const reorder = w.reorder * c.reorderDepth * c.intervalUs;
  return w.transit * c.rttUs + (jitter > reorder ? jitter : reorder);
}

/**
 * A horizon from its bounds and the need measured on the network: `min + need` while the need
 * is under half the range, then bending toward `max` without reaching it
 * (`min + span · (1 − span / (4 · need))`, continuous with a continuous slope). So the horizon
 * follows the physical need where it can and keeps telling bad from worse near its limit
 * instead of pinning there. A NaN need (nothing measured it) reads as the worst: `max`.
 *
 * @example
 * horizonFromNeed(40_000, 300_000, 30_000);  // 70_000
 * horizonFromNeed(40_000, 300_000, 520_000); // 267_500: never 300_000
 */
export function horizonFromNeed(minUs: number, maxUs: number, needUs: number): number {
  const span = maxUs - minUs;
  if (!(span > 0)) return minUs;
  if (needUs !== needUs || needUs === Number.POSITIVE_INFINITY) return maxUs;
  if (!(needUs > 0)) return minUs;
  if (needUs <= span / 2) return minUs + needUs;
  return minUs + span * (1 - span / (4 * needUs));
}

/** Prediction and correction horizons, µs. */
export interface Horizons {
  readonly hpUs: number;
  readonly hcUs: number;
}

/**
 * The horizons one path calls for under one profile's range.
 *
 * @example
 * horizonsFor(
 *   { rttUs: 80_000, jitterUs: 10_000, lossRate: 0.02, reorderDepth: 1, intervalUs: 20_000 },
 *   PROFILE_HORIZONS[RepresentationProfile.VoiceStandard],
 * ); // { hpUs: ≈ 88 500, hcUs: 150 000 }
 */
export function horizonsFor(
  c: PathConditions,
  range: HorizonRange,
  w: HorizonWeights = HORIZON_WEIGHTS,
): Horizons {
  return {
    hpUs: horizonFromNeed(
      range.hpMinUs,
      range.hpMaxUs,
      predictionNeedUs(c, range.frameIntervalUs, w),
    ),
    hcUs: horizonFromNeed(range.hcMinUs, range.hcMaxUs, correctionNeedUs(c, w)),
  };
}
