/**
 * Every bound of a {@link StateField} (what it holds never exceeds them). Atoms add their own
 * (their law's bounds and `maxValueBytes`).
 */
export interface FieldLimits {
  /** Atoms held. */
  readonly maxAtoms: number;
  /**
   * Resolved atoms (declared on demand by the resolver) held for the events of one author, so
   * one member cannot take every atom: beyond it the author's events for new atoms are refused
   * as `TooManyAtoms`.
   */
  readonly maxResolvedAtomsPerAuthor: number;
  /** Authors tracked (their seq frontier, effective τs, rate bucket). */
  readonly maxAuthors: number;
  /** Grants and revocations watched for causal authority checks. */
  readonly maxAuthorityChanges: number;
  /** Events waiting in quarantine. */
  readonly quarantineEvents: number;
  /** Encoded bytes waiting in quarantine. */
  readonly quarantineBytes: number;
  /** Longest wait in quarantine, µs; older events are evicted (and reported) by `expire`. */
  readonly quarantineAgeUs: number;
  /** Events of one author waiting in quarantine. */
  readonly quarantinePerAuthor: number;
  /** Encoded bytes of one author waiting in quarantine. */
  readonly quarantinePerAuthorBytes: number;
  /**
   * How far ahead of τs a durable event may be stamped before it waits for its time, µs.
   * Durable events are never refused for their age; this only keeps a fast clock from
   * winning every last-writer-wins contest.
   */
  readonly maxClockLeadUs: number;
  /** Sustained ephemeral events per author, per second. */
  readonly ephemeralRatePerSecond: number;
  /** Ephemeral events per author in a burst. */
  readonly ephemeralBurst: number;
  /** Entropy above which divergence control acts (the reference's 0.5). */
  readonly divergenceThreshold: number;
  /** Idle time after which a non-Core atom's entropy grows (the reference's 100 ms), µs. */
  readonly staleAfterUs: number;
}

/** The defaults. */
export const DEFAULT_FIELD_LIMITS: FieldLimits = {
  maxAtoms: 65_536,
  maxResolvedAtomsPerAuthor: 4_096,
  maxAuthors: 4_096,
  maxAuthorityChanges: 4_096,
  quarantineEvents: 10_000,
  quarantineBytes: 8 * 1024 * 1024,
  quarantineAgeUs: 30_000_000,
  quarantinePerAuthor: 2_500,
  quarantinePerAuthorBytes: 2 * 1024 * 1024,
  maxClockLeadUs: 5_000_000,
  ephemeralRatePerSecond: 2_000,
  ephemeralBurst: 4_000,
  divergenceThreshold: 0.5,
  staleAfterUs: 100_000,
};
