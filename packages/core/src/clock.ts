/**
 * A source of time in microseconds (`number`; Unix-epoch µs fit in 2^53). Everything that reads
 * time takes a Clock, so tests and simulations substitute a virtual one.
 */
export interface Clock {
  /** Current time in µs. Monotonic for the system clock. */
  now(): number;
}

/**
 * The default real-time clock: `performance.now()` (monotonic, sub-millisecond) plus the Unix
 * epoch offset captured once at creation, so it reads as Unix-epoch µs but never jumps when the
 * wall clock is adjusted.
 *
 * @example
 * const clock = systemClock();
 * const t = clock.now(); // e.g. 1795600000000000 (µs since 1970)
 */
export function systemClock(): Clock {
  const origin = Date.now() * 1000 - performance.now() * 1000;
  return { now: () => Math.floor(origin + performance.now() * 1000) };
}
