/**
 * Whether this node's τs is synchronised with its session, as a {@link ClockSync} last judged it
 * (at each consensus update). `Converged` is the one state in which the node's clock agrees with
 * the session; the runtime may hold its first event until then.
 */
export const SyncState = {
  /** The join is open: τs has not been aligned yet (waiting for peers, or for a majority). */
  Joining: 0,
  /**
   * Joined (or the join was closed), and a majority of the session's members is counted, but our
   * τs is more than `convergedUs` from their consensus: it is being slewed toward it (after the
   * join, or after a partition healed).
   */
  Converging: 1,
  /**
   * Our τs has been within `convergedUs` of the consensus of a majority of the session's members
   * for `convergedUpdates` updates in a row (or we have no peers: the session is us). Left after
   * `convergedUpdates` updates beyond `convergedUs`, or at once when the majority is lost.
   */
  Converged: 2,
  /**
   * No majority: fewer than half of the session's members (ourselves included) answer with a
   * usable clock (a partition, members gone silent), or the clocks we hear disagree with no
   * majority among them (two members seconds apart, one of whom lies). τs keeps running on its
   * own rate and only follows what agreement there is.
   */
  Isolated: 3,
} as const;
export type SyncState = (typeof SyncState)[keyof typeof SyncState];
