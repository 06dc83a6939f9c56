import { median } from './stats.ts';

/**
 * One case's rates over the rounds of an interleaved run. `medianOpsPerSec`, `minOpsPerSec` and
 * `maxOpsPerSec` are wall-clock operations per second (absolute rates, what a user sees);
 * `samples` and `cpuSamples` keep every round, so a ratio to a baseline measured in the same
 * rounds can pair round with round (see {@link ratioEstimate}).
 */
export interface CaseResult {
  readonly name: string;
  readonly medianOpsPerSec: number;
  readonly minOpsPerSec: number;
  readonly maxOpsPerSec: number;
  readonly rounds: number;
  /** Wall-clock ops/s of each round, in round order (absent when the figure has no rounds). */
  readonly samples?: readonly number[];
  /**
   * Ops per second of this process's CPU time (`process.cpuUsage`, user + system) in each round,
   * in round order; only for synchronous cases, whose whole work runs in this process.
   */
  readonly cpuSamples?: readonly number[];
  /**
   * Names the interleaved run the samples come from: two results pair round with round only
   * when they share it (round r of two different runs are different moments).
   */
  readonly run?: string;
}

let runs = 0;

/**
 * The results of cases measured in the same interleaved rounds: `wall[i][r]` is case i's
 * wall-clock ops/s in round r, `cpu[i][r]` (if measured) its ops/s of CPU time. All results get
 * one fresh `run`, so their ratios pair round with round.
 */
export function resultsOfRounds(
  names: readonly string[],
  wall: readonly (readonly number[])[],
  cpu?: readonly (readonly number[])[],
): CaseResult[] {
  const run = `interleaved-${++runs}`;
  return names.map((name, i) => {
    const samples = wall[i] ?? [];
    const cpuSamples = cpu?.[i];
    return {
      name,
      medianOpsPerSec: median(samples),
      minOpsPerSec: Math.min(...samples),
      maxOpsPerSec: Math.max(...samples),
      rounds: samples.length,
      samples,
      ...(cpuSamples ? { cpuSamples } : {}),
      run,
    };
  });
}

/**
 * `r` with every rate multiplied by `factor` (e.g. operations to events: one ingest of n events
 * is n events), samples included, so ratios still pair round with round.
 */
export function scaled(r: CaseResult, factor: number, name = r.name): CaseResult {
  const times = (xs: readonly number[]): number[] => xs.map((x) => x * factor);
  return {
    ...r,
    name,
    medianOpsPerSec: r.medianOpsPerSec * factor,
    minOpsPerSec: r.minOpsPerSec * factor,
    maxOpsPerSec: r.maxOpsPerSec * factor,
    ...(r.samples ? { samples: times(r.samples) } : {}),
    ...(r.cpuSamples ? { cpuSamples: times(r.cpuSamples) } : {}),
  };
}
