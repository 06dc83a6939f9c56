import { expect, it } from 'vitest';
import { measureLink } from '../src/link-showcase.ts';

it('measures a lossy, jittery link deterministically', () => {
  const config = {
    latencyUs: 40_000,
    jitter: { distribution: 'exponential', meanUs: 50_000 },
    loss: { model: 'random', p: 0.1 },
  } as const;
  const a = measureLink(config, 3, 20_000);
  expect(measureLink(config, 3, 20_000)).toEqual(a);
  expect(Math.abs(a.lossRate - 0.1)).toBeLessThan(4 * Math.sqrt((0.1 * 0.9) / 20_000));
  expect(a.reordered).toBeGreaterThan(0);
  expect(a.meanDelayMs).toBeGreaterThan(85);
  expect(a.meanDelayMs).toBeLessThan(95);
});
