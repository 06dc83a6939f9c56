import { expect, it } from 'vitest';
import { median, quantile } from '../src/index.ts';

it('median and quartiles interpolate between order statistics', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(quantile([10, 40, 20, 30], 0.25)).toBe(17.5);
  expect(quantile([10, 40, 20, 30], 0.75)).toBe(32.5);
  expect(quantile([5], 0.25)).toBe(5);
  expect(quantile([1, 2, 3], 0)).toBe(1);
  expect(quantile([1, 2, 3], 1)).toBe(3);
  expect(median([])).toBeNaN();
});
