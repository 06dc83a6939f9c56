import type { CaseResult } from './case-result.ts';
import { median, quantile } from './stats.ts';

/**
 * What a ratio was computed from: per-round ratios of CPU-time rates, per-round ratios of
 * wall-clock rates, or (without rounds to pair) the two wall-clock medians.
 */
export type RatioBasis = 'cpu paired' | 'wall paired' | 'medians';

/** A ratio ours/baseline, its basis and, when paired, the quartiles of the per-round ratios. */
export interface RatioEstimate {
  readonly value: number;
  readonly basis: RatioBasis;
  /** First and third quartiles of the per-round ratios (paired bases only). */
  readonly iqr?: readonly [number, number];
}

function paired(
  ours: readonly number[] | undefined,
  baseline: readonly number[] | undefined,
): number[] | undefined {
  if (!ours || !baseline || ours.length === 0 || ours.length !== baseline.length) return undefined;
  return ours.map((x, r) => x / (baseline[r] as number));
}

/**
 * ours/baseline as the fraction of the raw limit reached. When both results come from the same
 * interleaved run (same `run`, as many rounds), it is the median over rounds of
 * ours[r]/baseline[r]: both sides of one round share the machine's moment, so the drift between
 * rounds (other processes, clock and cache state) cancels, where a ratio of two medians divides
 * figures taken at different moments. It pairs CPU-time rates when both sides have them (the
 * process's own CPU time leaves out the time other processes held the core, so the ratio
 * compares work done, which is what "how close to the limit" asks), else wall-clock rates;
 * results from different runs, or without per-round samples, fall back to the ratio of the
 * wall-clock medians.
 */
export function ratioEstimate(ours: CaseResult, baseline: CaseResult): RatioEstimate {
  if (ours.run !== undefined && ours.run === baseline.run) {
    const cpu = paired(ours.cpuSamples, baseline.cpuSamples);
    const wall = cpu ? undefined : paired(ours.samples, baseline.samples);
    const ratios = cpu ?? wall;
    if (ratios) {
      return {
        value: median(ratios),
        basis: cpu ? 'cpu paired' : 'wall paired',
        iqr: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
      };
    }
  }
  return { value: ours.medianOpsPerSec / baseline.medianOpsPerSec, basis: 'medians' };
}
