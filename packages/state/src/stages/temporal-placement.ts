import { type StateTime, type RepresentationProfile } from '@elara/core';
import { TimePosition, type TimeView } from '@elara/time';

/** Where temporal placement puts an ephemeral event. */
export const Placement = {
  /** Current or predictable: apply now. */
  Apply: 0,
  /** Behind τs within the correction horizon: merge now, with a correction weight. */
  Late: 1,
  /** Too early: wait in quarantine until the window reaches it. */
  Hold: 2,
  /** Older than the correction horizon: count and drop. */
  Drop: 3,
} as const;
export type Placement = (typeof Placement)[keyof typeof Placement];

/** A placement with the correction weight of a late event (1 otherwise). */
export interface PlacementResult {
  readonly placement: Placement;
  readonly weight: number;
}

const APPLY: PlacementResult = { placement: Placement.Apply, weight: 1 };
const HOLD: PlacementResult = { placement: Placement.Hold, weight: 0 };
const DROP: PlacementResult = { placement: Placement.Drop, weight: 0 };

/**
 * The temporal placement stage, for ephemeral events only (durable events are placed causally
 * whatever their age): the reality window of the event's representation profile decides.
 * Unlike the reference, a too-early event waits instead of being dropped, and every late event
 * within the horizon is merged (its weight reported) instead of silently skipped below 0.1.
 *
 * @example
 * placeEphemeral(event.time, RepresentationProfile.Textual, time); // { placement: Late, weight: 0.4 }
 */
export function placeEphemeral(
  time: StateTime,
  profile: RepresentationProfile,
  view: TimeView,
): PlacementResult {
  switch (view.classify(time, profile)) {
    case TimePosition.TooLate:
      return DROP;
    case TimePosition.Correctable:
      return {
        placement: Placement.Late,
        weight: view.correctionWeight(view.now() - time, profile),
      };
    case TimePosition.TooEarly:
      return HOLD;
    default:
      return APPLY;
  }
}

/**
 * True when a durable event stamped `time` must wait for τs (`now`) to come within
 * `maxLeadUs` of it. Only its lead matters: a durable event is never refused for its age.
 */
export function durableTooEarly(time: StateTime, now: StateTime, maxLeadUs: number): boolean {
  return time - now > maxLeadUs;
}
