import type { Clock } from '../clock.ts';

/** A node's clock error in a simulation: a fixed offset plus a rate error (skew). */
export interface ClockError {
  /** Offset from true time at true time 0, µs. */
  readonly offsetUs: number;
  /** Rate error in parts per million (positive = runs fast). */
  readonly skewPpm: number;
}

/**
 * A node's local clock in a simulation: `local = true + offset + true × skew`, where true time
 * comes from `base` (usually the virtual scheduler). Tests compare these against true time.
 *
 * @example
 * const clock = skewedClock(scheduler, { offsetUs: 1_500_000, skewPpm: -120 });
 */
export function skewedClock(base: Clock, error: ClockError): Clock {
  return {
    now: () => {
      const t = base.now();
      return Math.floor(t + error.offsetUs + (t * error.skewPpm) / 1e6);
    },
  };
}
