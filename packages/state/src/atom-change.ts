import type { StateId } from '@elara/core';
import type { EventStamp } from './event-stamp.ts';
import type { LawDelta } from './laws/law-delta.ts';

/** Why an atom changed. */
export const ChangeCause = {
  /** An event was applied and the visible value changed (`delta`). */
  Event: 'event',
  /** A grant or revocation was applied (`event`; no delta). */
  Authority: 'authority',
  /** An ephemeral entry's TTL passed (`delta`). */
  Expired: 'expired',
  /** Divergence control emptied an Enhancement or Cosmetic atom. */
  Cleared: 'cleared',
  /** Divergence control simplified a Perceptual atom. */
  Simplified: 'simplified',
  /** Divergence control flagged a Core atom (known to miss events; never simplified). */
  Flagged: 'flagged',
} as const;
export type ChangeCause = (typeof ChangeCause)[keyof typeof ChangeCause];

/**
 * One change of one atom, delivered to `StateField.onChange` listeners after the field has
 * finished the call that caused it (so listeners see a consistent field and may call it).
 * This feed is what projections (text, presence, typing) consume.
 */
export interface AtomChange {
  readonly atom: StateId;
  readonly cause: ChangeCause;
  /** The event that caused it (for `event` and `authority`). */
  readonly event: EventStamp | undefined;
  /** True when the event was the node's own (`applyLocal`). */
  readonly local: boolean;
  readonly delta: LawDelta | undefined;
}
