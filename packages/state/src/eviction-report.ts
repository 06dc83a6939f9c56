import type { EventId, EventKind, NodeId, StateId } from '@elara/core';

/** Why an event left the quarantine without being applied. */
export const EvictionReason = {
  /** The quarantine held `maxEvents` events; the oldest made room. */
  Count: 'count',
  /** The quarantine held `maxBytes` bytes; the oldest made room. */
  Bytes: 'bytes',
  /** It waited longer than `maxAgeUs` for its time or for its atom to be declared. */
  Age: 'age',
  /**
   * It waited longer than `maxAgeUs` for a dependency (`missing`) that never came: lost,
   * withheld, or one that will never exist. Over the wire no dependency can be refused as
   * impossible (the decoder already refuses one on the event's own author, and one on another
   * author's far-future seq may yet come), so waiting, then this eviction, is what every
   * replica can do alike.
   */
  MissingDependency: 'missing-dependency',
  /** Its author already had `maxPerAuthor` events waiting (or it alone exceeds `maxBytes`): it was not admitted. */
  AuthorShare: 'author-share',
} as const;
export type EvictionReason = (typeof EvictionReason)[keyof typeof EvictionReason];

/**
 * An event that waited in quarantine and was dropped before it could be applied. The runtime
 * requests a repair of a durable one (the event itself, and `missing`, what it waited for);
 * an ephemeral one is gone (ephemeral events are never repaired).
 */
export interface EvictionReport {
  readonly kind: EventKind;
  readonly author: NodeId;
  /** Durable seq or ephemeral counter. */
  readonly number: number;
  readonly target: StateId;
  readonly reason: EvictionReason;
  /** The dependency a durable event was waiting for, if any. */
  readonly missing: EventId | undefined;
}
