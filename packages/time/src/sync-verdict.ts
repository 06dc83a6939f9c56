/**
 * What a {@link PeerSync} made of one time-sync reply. Everything but `Accepted` and `Stepped` is
 * counted and leaves the estimates untouched.
 */
export const SyncVerdict = {
  /** A sample: it updated the offset and skew estimates. */
  Accepted: 0,
  /**
   * A sample that contradicts every earlier one (its offset interval `[−b, a]` misses theirs): the
   * peer's clock stepped (its join alignment) or it lies. The history was discarded and the
   * estimates start again from this sample; repeated steps flag the peer as inconsistent.
   */
  Stepped: 1,
  /** No request of ours is waiting for this id and `t1` (unsolicited, duplicated or too late). */
  Unsolicited: 2,
  /**
   * A reply to a request sent before we saw the peer's last step that contradicts the history
   * since: it reached the peer before the step (jitter reorders requests) and describes the
   * clock it had then.
   */
  Stale: 3,
  /**
   * Timestamps that cannot describe an exchange: not finite, beyond ±2^53 µs, a negative round
   * trip, a reply sent before it was received, or a round trip longer than `maxDelayUs`.
   */
  Invalid: 4,
} as const;
export type SyncVerdict = (typeof SyncVerdict)[keyof typeof SyncVerdict];
