import type { PerceptualTime, StateTime } from '@elara/core';
import { asyncScheduler, map, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { TimeEngine } from '../time-engine.ts';
import { loopPeriodMs, type LoopOptions } from './loop-options.ts';

/** One frame of the prediction loop: how far ahead prediction may reach now. */
export interface PredictionFrame {
  readonly tauP: PerceptualTime;
  readonly tauS: StateTime;
  readonly hpUs: number;
  /** `tauS + hpUs`: predictions never reach past it. */
  readonly predictUntil: StateTime;
}

/**
 * The prediction loop: every `periodMs` (default 16 ms, about one display frame) gives
 * streams τp, τs and the prediction horizon of the profile, the bound of their extrapolation.
 *
 * @example
 * predictionLoop(engine, { profile: RepresentationProfile.VoiceStandard }, rx)
 *   .subscribe((f) => voice.extrapolateTo(f.predictUntil));
 */
export function predictionLoop(
  engine: TimeEngine,
  options: LoopOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<PredictionFrame> {
  const profile = options.profile ?? engine.defaultProfile;
  return timer(0, loopPeriodMs(options, 16), scheduler).pipe(
    map(() => {
      const tauS = engine.now();
      const { hpUs } = engine.horizons(profile);
      return { tauP: engine.perceptualNow(), tauS, hpUs, predictUntil: tauS + hpUs };
    }),
  );
}
