/**
 * What the network model knows about a path from one peer, measured from traffic. Jitter, loss
 * and reorder depth cover a sliding window (the last `windowPackets` arrivals or sequence
 * numbers), so they recover within one window when the path improves; RTT and the interval are
 * exponential averages, which forget at their gains' pace instead.
 */
export interface PathConditions {
  /** Smoothed round-trip time, µs (RFC 6298 SRTT; 0 before the first sample). */
  readonly rttUs: number;
  /**
   * Mean |D| over the window, µs, where D is RFC 3550's difference in packet spacing at the
   * receiver compared with the sender, for consecutive arrivals, each |D| clamped to
   * `maxDelayVariationUs`. (RFC 3550's own "interarrival jitter" is an exponential average of
   * the same |D| with gain 1/16; this is its windowed mean.)
   */
  readonly jitterUs: number;
  /** Fraction of the sequence numbers in the loss window that never arrived (0–1). */
  readonly lossRate: number;
  /**
   * Reorder depth, packets: the 99th percentile of the displacement over the window, where a
   * packet arriving after one numbered `h` above its own number `s` has displacement `h − s`.
   * One straggler in a hundred arrivals does not move it (`PeerStats.maxReorderDepth` is the
   * exact maximum).
   */
  readonly reorderDepth: number;
  /**
   * Mean sending interval per sequence number, µs, from the sender's timestamps: an exponential
   * average (gain 1/16) of samples clamped to `maxDelayVariationUs`.
   */
  readonly intervalUs: number;
}
