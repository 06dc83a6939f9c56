/** What a {@link PeerSync} knows of one peer's clock at one moment (a snapshot). */
export interface PeerSyncEstimate {
  /**
   * The peer's timestamps minus ours at that moment, µs: for session sync, the peer's τs minus
   * our local clock. NaN without exchanges in the window.
   */
  readonly offsetUs: number;
  /**
   * The round-trip floor over the window (`min a + min b`), µs. The offset is certainly within
   * ±`delayUs / 2` of {@link offsetUs} whatever the paths; within that, a path asymmetry biases it
   * by half the one-way delay difference, which two-way exchanges cannot see.
   */
  readonly delayUs: number;
  /**
   * How far the window's exchanges disagree beyond what their round trips allow, µs: the least
   * round trip minus `delayUs` (NaN without exchanges). Each exchange pins the offset within half
   * its round trip, so for a peer whose clock holds still this stays below the queueing excess of
   * the quickest round trip (a few ms to tens of ms), whereas a peer whose answers wander by ±A
   * shows about 2A on any path: a liar too subtle for the interval test is still seen here.
   */
  readonly spreadUs: number;
  /** Exchanges in the offset window. */
  readonly samples: number;
  /** Drift of the offset, ppm of our clock (the peer's clock rate minus ours); 0 until fitted. */
  readonly skewPpm: number;
  /** Standard error of {@link skewPpm}, ppm (infinite until fitted). */
  readonly skewStdErrPpm: number;
  /** Whether {@link skewPpm} is trusted: span and standard error within the configured bounds. */
  readonly skewConfident: boolean;
}
