import type { StateTime } from '@elara/core';
import { asyncScheduler, map, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { TimeEngine } from '../time-engine.ts';
import { loopPeriodMs, type LoopOptions } from './loop-options.ts';

/** One reading of the drift loop: where τs stands against the local clock and its target. */
export interface DriftSample {
  readonly tauS: StateTime;
  /** Offset applied now (τs − local clock), µs. */
  readonly offsetUs: number;
  /** Correction still being slewed, µs. */
  readonly pendingUs: number;
  /** Frequency correction in force, ppm. */
  readonly frequencyPpm: number;
}

/**
 * The drift loop: every `periodMs` (default 100 ms, the reference spec's drift tick) reports
 * the session clock's offset, pending correction and frequency. It only observes; clock
 * synchronisation feeds the clock.
 *
 * @example
 * driftLoop(engine, {}, toRxScheduler(scheduler)).subscribe((d) => metrics.gauge('pending', d.pendingUs));
 */
export function driftLoop(
  engine: TimeEngine,
  options: LoopOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<DriftSample> {
  const clock = engine.stateClock;
  return timer(0, loopPeriodMs(options, 100), scheduler).pipe(
    map(() => ({
      tauS: clock.now(),
      offsetUs: clock.offsetUs(),
      pendingUs: clock.pendingUs(),
      frequencyPpm: clock.frequencyPpm,
    })),
  );
}
