import type { Clock } from '../clock.ts';

/** A node's clock error in a simulation: a fixed offset plus a rate error (skew). */
export interface ClockError {
  /** Offset from true time at the reference time (`referenceUs`, default 0), µs. */
  readonly offsetUs: number;
  /** Rate error in parts per million (positive = runs fast). */
  readonly skewPpm: number;
  /**
   * True time (µs) from which skew accumulates; default 0, the behaviour before this field
   * existed. Simulations that start at a Unix-epoch time should pass their start: measured
   * from 0, 50 ppm over 1.8·10^15 µs is already a 25 h error at the start.
   */
  readonly referenceUs?: number;
}

/**
 * A node's local clock in a simulation:
 * `local = true + offset + (true − reference) × skew`, where true time comes from `base`
 * (usually the virtual scheduler). Tests compare these against true time.
 *
 * @example
 * const clock = skewedClock(scheduler, {
 *   offsetUs: 1_500_000,
 *   skewPpm: -120,
 *   referenceUs: scheduler.now(),
 * });
 */
export function skewedClock(base: Clock, error: ClockError): Clock {
  const reference = error.referenceUs ?? 0;
  return {
    now: () => {
      const t = base.now();
      return Math.floor(t + error.offsetUs + ((t - reference) * error.skewPpm) / 1e6);
    },
  };
}
