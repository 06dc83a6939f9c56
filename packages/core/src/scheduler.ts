import type { Clock } from './clock.ts';
import { OutOfRangeError } from './elara-error.ts';

/** Cancels a scheduled callback; calling it again, or after the callback ran, does nothing. */
export type Cancel = () => void;

/**
 * Timers on a clock in µs. Net's timers use it directly; `@elara/time/rx` adapts it to RxJS,
 * so one virtual scheduler drives the whole stack in tests.
 */
export interface Scheduler extends Clock {
  /** Runs `fn` once at time `t` (µs, same clock as `now()`); a time in the past runs soon. */
  at(t: number, fn: () => void): Cancel;
}

/** Schedules `fn` after `delayUs` on any {@link Scheduler}. */
export function after(scheduler: Scheduler, delayUs: number, fn: () => void): Cancel {
  return scheduler.at(scheduler.now() + delayUs, fn);
}

/**
 * The real-time scheduler: `setTimeout` against the given clock. `setTimeout` has millisecond
 * granularity and may fire a little early relative to a sub-millisecond clock, so a timer that
 * wakes before `t` re-arms for the remainder: callbacks never run before their time (waits
 * longer than `setTimeout`'s 2^31 − 1 ms limit re-arm in steps instead of overflowing). Like
 * `setTimeout`, a pending timer keeps the process alive; lifecycles cancel theirs on stop.
 * `at(NaN, …)` throws {@link OutOfRangeError}: NaN is never "due", so it would re-arm forever.
 */
export function realTimeScheduler(clock: Clock): Scheduler {
  // setTimeout overflows above 2^31 - 1 ms (and then fires at once): longer waits re-arm.
  const maxDelayMs = 0x7fff_ffff;
  const delayMs = (remainingUs: number) =>
    Math.min(maxDelayMs, Math.max(0, Math.ceil(remainingUs / 1000)));
  return {
    now: () => clock.now(),
    at(t, fn) {
      if (typeof t !== 'number' || Number.isNaN(t))
        throw new OutOfRangeError(`Scheduler.at: ${t} is not a time`);
      let handle: ReturnType<typeof setTimeout> | undefined;
      let cancelled = false;
      const arm = () => {
        const remainingUs = t - clock.now();
        if (remainingUs <= 0) {
          handle = undefined;
          fn();
          return;
        }
        handle = setTimeout(arm, delayMs(remainingUs));
      };
      handle = setTimeout(arm, delayMs(t - clock.now()));
      return () => {
        if (cancelled) return;
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      };
    },
  };
}
