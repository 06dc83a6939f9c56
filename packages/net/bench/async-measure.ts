import type { CaseResult } from '@elara/bench-kit';

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

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * bench-kit's `measureInterleaved` for asynchronous work (sockets, other processes): every round
 * runs every case once, in rotating order, so compared cases share the machine's moments.
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
  return cases.map((c, i) => {
    const s = rates[i] as number[];
    const e = extras[i] as Record<string, number>[];
    const extra: Record<string, number> = {};
    for (const key of Object.keys(e[0] ?? {}))
      extra[key] = e.reduce((n, x) => n + (x[key] ?? 0), 0) / e.length;
    return {
      name: c.name,
      medianOpsPerSec: median(s),
      minOpsPerSec: Math.min(...s),
      maxOpsPerSec: Math.max(...s),
      rounds,
      extra,
    };
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
