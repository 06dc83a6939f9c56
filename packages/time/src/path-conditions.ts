/**
 * What the network model knows about the path from one peer, all measured from traffic over
 * the estimator's window (the last `windowPackets` arrivals or sequence numbers), so the values
 * decay and recover when the path improves.
 */
export interface PathConditions {
  /** Smoothed round-trip time, µs (RFC 6298 SRTT; 0 before the first sample). */
  readonly rttUs: number;
  /**
   * Interarrival jitter, µs: the mean of |D| over the window, where D is RFC 3550's difference
   * in packet spacing at the receiver compared with the sender for consecutive arrivals.
   */
  readonly jitterUs: number;
  /** Fraction of the sequence numbers in the loss window that never arrived (0–1). */
  readonly lossRate: number;
  /**
   * Reorder depth, packets: the largest displacement over the window, where a packet arriving
   * after one numbered `h` above its own number `s` has displacement `h − s`.
   */
  readonly reorderDepth: number;
  /** Mean sending interval per sequence number, µs, from the sender's timestamps. */
  readonly intervalUs: number;
}
