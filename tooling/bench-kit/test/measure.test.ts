import { expect, it } from 'vitest';
import { formatTable, measureInterleaved, ratio } from '../src/index.ts';

it('measures interleaved cases and reports ratios', () => {
  const spin = (k: number) => (n: number) => {
    let x = 0;
    for (let i = 0; i < n * k; i++) x += i;
    if (x < 0) throw new Error('unreachable');
  };
  const [fast, slow] = measureInterleaved(
    [
      { name: 'fast', run: spin(10) },
      { name: 'slow', run: spin(100) },
    ],
    { rounds: 3, sliceMs: 10 },
  );
  expect(fast && slow).toBeTruthy();
  const q = ratio({ name: 'x', ours: slow!, baseline: fast! }) as number;
  expect(q).toBeGreaterThan(0.02);
  expect(q).toBeLessThan(0.5);
  expect(formatTable('t', [{ name: 'x', ours: slow!, baseline: fast!, target: 0.5 }])).toContain(
    'NOT met',
  );
});
