/**
 * Why a peer's clock is not trusted. Flags clear by themselves once the peer behaves again.
 */
export const SyncFlag = {
  /** Trusted. */
  None: 0,
  /**
   * Its replies contradict each other: at least `maxSteps` steps within `stepWindowUs`. An honest
   * clock steps once per session (its join alignment); a liar answering with random values steps
   * on nearly every reply. Left out of the consensus.
   */
  Inconsistent: 1,
  /**
   * Its τs stays more than `suspectUs` away from the session's consensus for `suspectAfterUs` or
   * longer, after our own join (a clock that answers consistently but wrongly, e.g. ±10 s).
   * Reported, still counted in the offset (the trimmed mean ignores one such peer anyway, and
   * excluding whoever looks far would let two honest groups exclude each other for good); left
   * out of the frequency.
   */
  Outlier: 2,
} as const;
export type SyncFlag = (typeof SyncFlag)[keyof typeof SyncFlag];
