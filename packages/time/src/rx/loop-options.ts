import type { RepresentationProfile } from '@elara/core';

/** Options of a time loop observable. */
export interface LoopOptions {
  /** Period between emissions, ms (RxJS units). Each loop has its own default. */
  readonly periodMs?: number;
  /** Profile whose horizons the loop reports (default: the engine's). */
  readonly profile?: RepresentationProfile;
}
