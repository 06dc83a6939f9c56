import { expect, it } from 'vitest';
import { measureInterleaved, median } from '../src/index.ts';

// Real timing: only that every figure exists and is a finite positive rate (no speed asserted).
it('keeps every round of every case, in wall-clock and CPU time, under one run', () => {
  const spin = (k: number) => (n: number) => {
    let x = 0;
    for (let i = 0; i < n * k; i++) x += i;
    if (x < 0) throw new Error('unreachable');
  };
  const results = measureInterleaved(
    [
      { name: 'fast', run: spin(10) },
      { name: 'slow', run: spin(100) },
    ],
    { rounds: 3, sliceMs: 10 },
  );
  expect(results.map((r) => r.name)).toEqual(['fast', 'slow']);
  for (const r of results) {
    expect(r.rounds).toBe(3);
    expect(r.samples).toHaveLength(3);
    expect(r.cpuSamples).toHaveLength(3);
    for (const x of [...r.samples!, ...r.cpuSamples!, r.medianOpsPerSec, r.minOpsPerSec]) {
      expect(Number.isFinite(x) && x > 0).toBe(true);
    }
    // The reported figures are the wall-clock rounds' (what a user sees), not the CPU-time ones.
    expect(r.medianOpsPerSec).toBe(median(r.samples!));
    expect(r.minOpsPerSec).toBe(Math.min(...r.samples!));
    expect(r.maxOpsPerSec).toBe(Math.max(...r.samples!));
  }
  expect(results[0]!.run).toBeDefined();
  expect(results[0]!.run).toBe(results[1]!.run);
});
