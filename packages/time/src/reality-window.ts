import { OutOfRangeError, type StateTime } from '@elara/core';
import { TimePosition } from './time-position.ts';

/**
 * The span just after τs that counts as "now" (the reference's fixed 5 ms), so an event stamped
 * a moment ahead of the receiver's τs is current rather than predicted.
 */
export const CURRENT_ZONE_US = 5_000;

/**
 * The reality window at one instant: `[τs − Hc, τs + Hp]` (all µs). Plain data: build it, pass
 * it around, classify against it.
 */
export interface RealityWindow {
  /** τs, Unix-epoch µs. */
  readonly tauS: StateTime;
  /** Correction horizon Hc: how far back an event can still be corrected. */
  readonly hcUs: number;
  /** Prediction horizon Hp: how far ahead an event is still predictable. */
  readonly hpUs: number;
}

/**
 * Classifies `t` against the window `(tauS, hcUs, hpUs)`, with the reference's rules and order
 * (vectors `time.json › reality_window_*`, `fresh_engine_classify_*`). The unpacked form is what
 * hot paths call; {@link classify} takes a {@link RealityWindow}.
 *
 * @example
 * classifyAt(1_000_000, 100_000, 50_000, 950_000); // TimePosition.Correctable
 */
export function classifyAt(tauS: number, hcUs: number, hpUs: number, t: number): TimePosition {
  if (t !== t) throw new OutOfRangeError('cannot classify NaN as a state time');
  if (t < tauS - hcUs) return TimePosition.TooLate;
  if (t < tauS) return TimePosition.Correctable;
  if (t <= tauS + CURRENT_ZONE_US) return TimePosition.Current;
  if (t <= tauS + hpUs) return TimePosition.Predictable;
  return TimePosition.TooEarly;
}

/**
 * Classifies `t` against a reality window.
 *
 * @example
 * classify({ tauS: 1_000_000, hcUs: 100_000, hpUs: 50_000 }, 1_030_000); // Predictable
 */
export function classify(window: RealityWindow, t: StateTime): TimePosition {
  return classifyAt(window.tauS, window.hcUs, window.hpUs, t);
}

/** True when `τs − Hc ≤ t ≤ τs + Hp` (the reference's `contains`). */
export function windowContains(window: RealityWindow, t: StateTime): boolean {
  return t >= window.tauS - window.hcUs && t <= window.tauS + window.hpUs;
}
