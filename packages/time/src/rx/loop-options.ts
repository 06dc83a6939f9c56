import { OutOfRangeError, type RepresentationProfile } from '@elara/core';

/** Options of a time loop observable. */
export interface LoopOptions {
  /** Period between emissions, ms (RxJS units), finite and > 0. Each loop has its own default. */
  readonly periodMs?: number;
  /** Profile whose horizons the loop reports (default: the engine's). */
  readonly profile?: RepresentationProfile;
}

/**
 * The loop's period, checked when the loop is built: a period of 0 would reschedule at the
 * same instant forever (a virtual scheduler never advances, a real one spins), and a negative
 * or non-finite one means nothing. Throws `OutOfRangeError`.
 */
export function loopPeriodMs(options: Pick<LoopOptions, 'periodMs'>, defaultMs: number): number {
  const periodMs = options.periodMs ?? defaultMs;
  if (!(periodMs > 0 && periodMs < Number.POSITIVE_INFINITY)) {
    throw new OutOfRangeError(`periodMs must be a finite number > 0, got ${periodMs}`);
  }
  return periodMs;
}
