/** One benchmark case: `run(n)` performs the operation `n` times. */
export interface BenchCase {
  readonly name: string;
  readonly run: (iterations: number) => void;
}

/** Median and spread of one case over the rounds, in operations per second. */
export interface CaseResult {
  readonly name: string;
  readonly medianOpsPerSec: number;
  readonly minOpsPerSec: number;
  readonly maxOpsPerSec: number;
  readonly rounds: number;
}

/** Options of {@link measureInterleaved}. */
export interface MeasureOptions {
  /** Rounds; each round runs every case once, in rotating order. Default 9. */
  readonly rounds?: number;
  /** Target duration of one case's slice in a round, ms. Default 150. */
  readonly sliceMs?: number;
}

function calibrate(c: BenchCase, sliceMs: number): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    c.run(n);
    const dt = performance.now() - t0;
    if (dt >= sliceMs / 4 || n >= 1 << 26)
      return Math.max(1, Math.round((n * sliceMs) / Math.max(dt, 0.001)));
    n *= 4;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Measures cases in interleaved rounds (the machine's speed drifts 10–50 % from moment to
 * moment, so cases compared with each other must share the same moments): each round runs
 * every case for about one slice, rotating the order; reports median and range of ops/s.
 */
export function measureInterleaved(
  cases: readonly BenchCase[],
  options: MeasureOptions = {},
): CaseResult[] {
  const rounds = options.rounds ?? 9;
  const sliceMs = options.sliceMs ?? 150;
  for (const c of cases) c.run(Math.min(1000, calibrate(c, 10))); // warm up
  const iterations = cases.map((c) => calibrate(c, sliceMs));
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + r) % cases.length;
      const c = cases[i] as BenchCase;
      const n = iterations[i] as number;
      const t0 = performance.now();
      c.run(n);
      const dt = performance.now() - t0;
      (samples[i] as number[]).push((n * 1000) / Math.max(dt, 1e-6));
    }
  }
  return cases.map((c, i) => {
    const s = samples[i] as number[];
    return {
      name: c.name,
      medianOpsPerSec: median(s),
      minOpsPerSec: Math.min(...s),
      maxOpsPerSec: Math.max(...s),
      rounds,
    };
  });
}
