import { OutOfRangeError } from '@elara/core';

/**
 * How much a late correction counts: `clamp(1 − delay / Hc, 0, 1)` (the reference's rule,
 * vectors `time.json › correction_weight_*`): full weight when on time, none at or beyond the
 * correction horizon. A negative delay (an early event) counts fully.
 *
 * @example
 * correctionWeight(40_000, 80_000); // 0.5
 */
export function correctionWeight(delayUs: number, hcUs: number): number {
  if (delayUs !== delayUs || hcUs !== hcUs) {
    throw new OutOfRangeError('correction weight of NaN');
  }
  if (hcUs <= 0) return delayUs <= 0 ? 1 : 0;
  const w = 1 - delayUs / hcUs;
  return w <= 0 ? 0 : w >= 1 ? 1 : w;
}
