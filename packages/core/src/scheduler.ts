import type { Clock } from './clock.ts';

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
 * The real-time scheduler: `setTimeout` against the given clock. Timers are `unref`ed where the
 * platform allows, so a forgotten timer never keeps a process alive; lifecycles cancel theirs.
 */
export function realTimeScheduler(clock: Clock): Scheduler {
  return {
    now: () => clock.now(),
    at(t, fn) {
      const delayMs = Math.max(0, (t - clock.now()) / 1000);
      const handle: unknown = setTimeout(fn, delayMs);
      (handle as { unref?: () => void }).unref?.();
      let cancelled = false;
      return () => {
        if (cancelled) return;
        cancelled = true;
        clearTimeout(handle as ReturnType<typeof setTimeout>);
      };
    },
  };
}
