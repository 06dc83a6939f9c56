import type { PathConditions } from './path-conditions.ts';

/**
 * A snapshot of one stream of one peer (one sequence-number space: a packet class, or the
 * caller's key): its path conditions and counters.
 */
export interface PeerStats extends PathConditions {
  /** The stream's key (the packet class, or the caller's; 0 when none is given). */
  readonly stream: number;
  /** RTT variation, µs (RFC 6298 RTTVAR; the peer's, shared by its streams). */
  readonly rttVarUs: number;
  /**
   * The exact reorder depth: the largest displacement over the window. `reorderDepth`, which
   * horizons and pressure use, is its robust form (the 99th percentile).
   */
  readonly maxReorderDepth: number;
  /** Highest sequence number received, extended past wraps (its low bits are the wire's). */
  readonly highestSeq: number;
  /** First extended sequence number counted by `lossRate`. */
  readonly lossWindowFirst: number;
  /**
   * Last extended sequence number counted by `lossRate`: `highestSeq − maxReorderDepth`, since
   * the newest numbers may still be overtaken packets on their way.
   */
  readonly lossWindowLast: number;
  /** |D| values in the jitter window: the last `jitterSamples` arrivals, each against the one before. */
  readonly jitterSamples: number;
  /** First arrivals accepted since the stream was first modelled. */
  readonly received: number;
  readonly duplicates: number;
  /** Too old for the window, or a jump in numbering on probation. */
  readonly discarded: number;
  /** Times the numbering restarted (two sequential packets after a large jump, RFC 3550). */
  readonly resyncs: number;
  /**
   * Arrivals refused (`Invalid`) because their send time moved more than `maxTimeStepUs` away
   * from their arrival time, relative to the previous arrival.
   */
  readonly implausible: number;
  /** Times two such arrivals agreed, proving a step of the sender's (or our) clock. */
  readonly timeSteps: number;
  /** Local clock time of the last accepted arrival, µs. */
  readonly lastHeardUs: number;
}
