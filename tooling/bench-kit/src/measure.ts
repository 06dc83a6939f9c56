import { type CaseResult, resultsOfRounds } from './case-result.ts';

/** One benchmark case: `run(n)` performs the operation `n` times, synchronously. */
export interface BenchCase {
  readonly name: string;
  readonly run: (iterations: number) => void;
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

/** This process's CPU time so far (user + system, all its threads), ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Measures cases in interleaved rounds (the machine's speed drifts 10–50 % from moment to
 * moment, so cases compared with each other must share the same moments): each round runs
 * every case for about one slice, rotating the order, and times each slice twice: in wall-clock
 * time and in this process's CPU time (`process.cpuUsage`, user + system). The results keep
 * every round (`samples` wall-clock, `cpuSamples` CPU time) and report the wall-clock median and
 * range. Ratios between these cases pair round with round on CPU time (see `ratioEstimate`):
 * on a shared machine a slice's wall time also counts the time other processes held the core,
 * which says nothing about the code; its CPU time counts only the work done (V8's collector
 * threads included, so garbage a case makes is charged to it). Cases must do all their work
 * synchronously in this process (no sockets, no other processes), or CPU time undercounts it.
 */
export function measureInterleaved(
  cases: readonly BenchCase[],
  options: MeasureOptions = {},
): CaseResult[] {
  const rounds = options.rounds ?? 9;
  const sliceMs = options.sliceMs ?? 150;
  for (const c of cases) c.run(Math.min(1000, calibrate(c, 10))); // warm up
  const iterations = cases.map((c) => calibrate(c, sliceMs));
  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + r) % cases.length;
      const c = cases[i] as BenchCase;
      const n = iterations[i] as number;
      const c0 = cpuMs();
      const t0 = performance.now();
      c.run(n);
      const dt = performance.now() - t0;
      const dc = cpuMs() - c0;
      (wall[i] as number[]).push((n * 1000) / Math.max(dt, 1e-6));
      (cpu[i] as number[]).push((n * 1000) / Math.max(dc, 1e-6));
    }
  }
  return resultsOfRounds(
    cases.map((c) => c.name),
    wall,
    cpu,
  );
}
