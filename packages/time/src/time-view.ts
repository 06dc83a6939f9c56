import type { RepresentationProfile, StateTime } from '@elara/core';
import type { TimePosition } from './time-position.ts';

/**
 * What `@elara/state` reads from time: synchronous, side-effect-free as far as the caller can
 * tell. {@link TimeEngine} implements it; a test can hand state a fixed one.
 *
 * @example
 * const fixed: TimeView = {
 *   now: () => 1_000_000,
 *   classify: (t) => classifyAt(1_000_000, 80_000, 40_000, t),
 *   correctionWeight: (d) => correctionWeight(d, 80_000),
 * };
 * const stamp = view.stampEvent?.() ?? view.now(); // τs of a local event
 */
export interface TimeView {
  /** τs now, Unix-epoch µs: a reading, not a stamp (it leaves the join alignment open). */
  now(): StateTime;
  /** Where `t` falls in the reality window of `profile` now. */
  classify(t: StateTime, profile?: RepresentationProfile): TimePosition;
  /** Weight of a correction `delayUs` late under `profile`'s correction horizon. */
  correctionWeight(delayUs: number, profile?: RepresentationProfile): number;
  /**
   * τs for a new local event. It closes the session's join alignment, so τs can no longer step
   * once the node has an event there: stamping local events with {@link now} instead would let
   * `alignAtJoin` move τs under them. {@link TimeEngine} has it; optional so that a fixed view
   * (a test's, which never steps) need not, in which case its `now()` is the stamp.
   */
  stampEvent?(): StateTime;
}
