import { type Clock } from '@elara/core';
import { Prng, VirtualScheduler, skewedClock, type ClockError } from '@elara/core/sim';

/** One deterministic world for a test: virtual time and a seeded random stream. */
export interface SimWorld {
  readonly seed: number;
  readonly scheduler: VirtualScheduler;
  readonly rng: Prng;
  /** A node's local clock with the given error against the world's true time. */
  clock(error?: ClockError): Clock;
}

/**
 * Builds a {@link SimWorld}. The scheduler starts at `startUs` (default: a fixed Unix-epoch µs
 * value, so τs-style code sees realistic magnitudes) and every random value comes from `seed`.
 */
export function simWorld(seed: number, startUs = 1_800_000_000_000_000): SimWorld {
  const scheduler = new VirtualScheduler(startUs);
  return {
    seed,
    scheduler,
    rng: new Prng(seed),
    clock: (error) => (error === undefined ? scheduler : skewedClock(scheduler, error)),
  };
}

/** The seeds every statistical check runs on (at least ten, per the project's rules). */
export const STATISTICAL_SEEDS: readonly number[] = [11, 23, 37, 41, 53, 67, 71, 83, 97, 101];
