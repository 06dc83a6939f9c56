import { type CaseResult, resultsOfRounds } from '@elara/bench-kit';

/** One timed slice of an asynchronous case: how many items went through, in how long. */
export interface Slice {
  /** Items counted (datagrams delivered). */
  readonly items: number;
  readonly elapsedMs: number;
  /** Extra figures averaged over the rounds (e.g. sent, loss). */
  readonly extra?: Record<string, number>;
}

/** An asynchronous benchmark case: `run(sliceMs)` works for about `sliceMs` and reports. */
export interface AsyncCase {
  readonly name: string;
  readonly run: (sliceMs: number) => Promise<Slice>;
}

/** A {@link CaseResult} plus the mean of each extra figure. */
export interface AsyncResult extends CaseResult {
  readonly extra: Record<string, number>;
}

/**
 * bench-kit's `measureInterleaved` for asynchronous work (sockets, other processes): every round
 * runs every case once, in rotating order, so compared cases share the machine's moments. The
 * results keep each round's wall-clock rate under one run, so their ratios pair round with round;
 * there is no CPU-time basis here: the work happens in sockets, the kernel and other processes.
 */
export async function measureInterleavedAsync(
  cases: readonly AsyncCase[],
  rounds = 7,
  sliceMs = 250,
): Promise<AsyncResult[]> {
  for (const c of cases) await c.run(Math.min(50, sliceMs)); // warm up
  const rates = cases.map(() => [] as number[]);
  const extras = cases.map(() => [] as Record<string, number>[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + r) % cases.length;
      const slice = await (cases[i] as AsyncCase).run(sliceMs);
      (rates[i] as number[]).push((slice.items * 1000) / Math.max(slice.elapsedMs, 1e-6));
      (extras[i] as Record<string, number>[]).push(slice.extra ?? {});
    }
  }
  const results = resultsOfRounds(
    cases.map((c) => c.name),
    rates,
  );
  return results.map((result, i) => {
    const e = extras[i] as Record<string, number>[];
    const extra: Record<string, number> = {};
    for (const key of Object.keys(e[0] ?? {}))
      extra[key] = e.reduce((n, x) => n + (x[key] ?? 0), 0) / e.length;
    return { ...result, extra };
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count()` reaches `target` or stops moving for 100 ms (what was lost is lost). */
export async function settle(
  count: () => Promise<number> | number,
  target: number,
): Promise<number> {
  let last = -1;
  let still = 0;
  for (;;) {
    const c = await count();
    if (c >= target) return c;
    if (c === last) {
      if (++still >= 20) return c;
    } else still = 0;
    last = c;
    await pause(5);
  }
}
