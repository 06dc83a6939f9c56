import { type Clock } from '@elara/core';
import { Prng, VirtualScheduler, skewedClock, type ClockError } from '@elara/core/sim';

/** The default start of a world's virtual time: a Unix-epoch µs value (2027-01-15). */
export const DEFAULT_START_US = 1_800_000_000_000_000;

/** One deterministic world for a test: virtual time and a seeded random stream. */
export interface SimWorld {
  readonly seed: number;
  /** True time at which the world started (the scheduler's first `now()`). */
  readonly startUs: number;
  readonly scheduler: VirtualScheduler;
  readonly rng: Prng;
  /**
   * A node's local clock with the given error against the world's true time (the scheduler
   * itself without one). Skew counts from the world's start unless `error.referenceUs` says
   * otherwise, so `offsetUs` is the clock's error at the start: counted from true time 0 instead,
   * 50 ppm at the default start would already be 25 h.
   */
  clock(error?: ClockError): Clock;
  /** {@link clock} with skew counted from the world's start (the default now; kept for callers). */
  clockFromStart(error: Omit<ClockError, 'referenceUs'>): Clock;
}

/**
 * Builds a {@link SimWorld}. The scheduler starts at `startUs` (default {@link DEFAULT_START_US},
 * so τs-style code sees realistic magnitudes) and every random value comes from `seed`.
 */
export function simWorld(seed: number, startUs = DEFAULT_START_US): SimWorld {
  const scheduler = new VirtualScheduler(startUs);
  return {
    seed,
    startUs,
    scheduler,
    rng: new Prng(seed),
    clock: (error) =>
      error === undefined
        ? scheduler
        : skewedClock(scheduler, { ...error, referenceUs: error.referenceUs ?? startUs }),
    clockFromStart: (error) => skewedClock(scheduler, { ...error, referenceUs: startUs }),
  };
}

/** The seeds every statistical check runs on (at least ten, per the project's rules). */
export const STATISTICAL_SEEDS: readonly number[] = [11, 23, 37, 41, 53, 67, 71, 83, 97, 101];
