import { REJECTION_REASONS, type RejectionReason } from './rejection-reason.ts';

/**
 * What the field did with one event it was given.
 * - `applied`: merged into its atom now (its law decides whether the visible value changed).
 * - `late`: an ephemeral event behind τs but within the correction horizon, merged now (the
 *   change carries its correction weight).
 * - `duplicate`: already applied, quarantined or seen; nothing to do.
 * - `quarantined`: a durable event waiting for its dependencies (released when they arrive).
 * - `held`: waiting for its time: an ephemeral event too early for the reality window, or a
 *   durable one stamped further ahead than `maxClockLeadUs` (released by `expire`).
 * - `rejected`: refused, with a named {@link RejectionReason}.
 *
 * Outcomes are shared constants (no allocation per event): compare `status` and `reason`.
 */
export type Outcome =
  | { readonly status: 'applied' | 'late' | 'duplicate' | 'quarantined' | 'held' }
  | { readonly status: 'rejected'; readonly reason: RejectionReason };

/** The outcomes without a reason. */
export const Outcome = {
  Applied: Object.freeze({ status: 'applied' }) as Outcome,
  Late: Object.freeze({ status: 'late' }) as Outcome,
  Duplicate: Object.freeze({ status: 'duplicate' }) as Outcome,
  Quarantined: Object.freeze({ status: 'quarantined' }) as Outcome,
  Held: Object.freeze({ status: 'held' }) as Outcome,
} as const;

const REJECTIONS = new Map<RejectionReason, Outcome>(
  REJECTION_REASONS.map((reason) => [reason, Object.freeze({ status: 'rejected', reason })]),
);

/**
 * The shared outcome for a refusal.
 *
 * @example
 * rejected('Unauthorized'); // { status: 'rejected', reason: 'Unauthorized' }
 */
export function rejected(reason: RejectionReason): Outcome {
  return REJECTIONS.get(reason) as Outcome;
}
