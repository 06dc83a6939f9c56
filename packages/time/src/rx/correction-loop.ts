import { asyncScheduler, map, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { RealityWindow } from '../reality-window.ts';
import type { TimeEngine } from '../time-engine.ts';
import { loopPeriodMs, type LoopOptions } from './loop-options.ts';

/**
 * The correction loop: every `periodMs` (default 10 ms, the reference's tick) emits the
 * profile's reality window, against which late events are blended (`correctionWeight`) or
 * given up (TooLate).
 *
 * @example
 * correctionLoop(engine, {}, rx).subscribe((w) => state.releaseCorrectable(w));
 */
export function correctionLoop(
  engine: TimeEngine,
  options: LoopOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<RealityWindow> {
  const profile = options.profile ?? engine.defaultProfile;
  return timer(0, loopPeriodMs(options, 10), scheduler).pipe(map(() => engine.window(profile)));
}
