import type { PathConditions } from './path-conditions.ts';

/** A snapshot of the network model for one peer: its path conditions and counters. */
export interface PeerStats extends PathConditions {
  /** RTT variation, µs (RFC 6298 RTTVAR). */
  readonly rttVarUs: number;
  /** Highest sequence number received, extended past wraps (its low bits are the wire's). */
  readonly highestSeq: number;
  /** First extended sequence number counted by `lossRate`. */
  readonly lossWindowFirst: number;
  /**
   * Last extended sequence number counted by `lossRate`: `highestSeq − reorderDepth`, since the
   * newest numbers may still be overtaken packets on their way.
   */
  readonly lossWindowLast: number;
  /** |D| values in the jitter window: the last `jitterSamples` arrivals, each against the one before. */
  readonly jitterSamples: number;
  /** First arrivals accepted since the model for this peer was created. */
  readonly received: number;
  readonly duplicates: number;
  /** Too old for the window, or a jump in numbering on probation. */
  readonly discarded: number;
  /** Times the numbering restarted (two sequential packets after a large jump, RFC 3550). */
  readonly resyncs: number;
  /** Local clock time of the last accepted arrival, µs. */
  readonly lastHeardUs: number;
}
