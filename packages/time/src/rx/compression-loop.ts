import { asyncScheduler, map, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { TimeEngine } from '../time-engine.ts';
import { loopPeriodMs, type LoopOptions } from './loop-options.ts';

/**
 * The compression loop: every `periodMs` (default 100 ms) emits the compression pressure
 * (0–1) of the worst active path, which streams map to their degradation ladder.
 *
 * @example
 * compressionLoop(engine, {}, rx).subscribe((p) => ladder.update(p));
 */
export function compressionLoop(
  engine: TimeEngine,
  options: Pick<LoopOptions, 'periodMs'> = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<number> {
  return timer(0, loopPeriodMs(options, 100), scheduler).pipe(
    map(() => engine.compressionPressure()),
  );
}
