import { REJECTION_REASONS, type RejectionReason } from './rejection-reason.ts';

/** What a {@link StateField} did, counted since it was created. */
export interface FieldCounters {
  /** Events handed to `receive` / `receiveBytes`. */
  received: number;
  /** Events applied (remote and local, including released ones). */
  applied: number;
  /** Of those, ephemeral events merged late (within the correction horizon). */
  late: number;
  /** Local events applied. */
  local: number;
  duplicates: number;
  /** Events that entered quarantine waiting for dependencies. */
  quarantined: number;
  /** Events that entered quarantine waiting for their time. */
  held: number;
  /** Events released from quarantine and applied. */
  released: number;
  /** Events dropped from quarantine (each reported). */
  evicted: number;
  /** Ephemeral entries removed by TTL. */
  expired: number;
  /** Refusals by reason. */
  rejected: Record<RejectionReason, number>;
  /** Divergence control: Perceptual atoms simplified, Enhancement/Cosmetic atoms cleared, Core atoms flagged. */
  simplified: number;
  cleared: number;
  flagged: number;
  /** Listener callbacks that threw (the field goes on). */
  listenerErrors: number;
  /**
   * Applied events the atoms' laws later discarded to stay within their bounds (log entries,
   * frames): see `LawState.dropped`. Atoms cleared or gone no longer count.
   */
  dropped: number;
  /**
   * (author, seq) pairs the field reported with two different signed durable events
   * (`onEquivocation`), each once; those an event store observing the field compares (any seq
   * it holds) it counts instead.
   */
  equivocations: number;
}

/** Zeroed counters. */
export function fieldCounters(): FieldCounters {
  const rejected = {} as Record<RejectionReason, number>;
  for (const r of REJECTION_REASONS) rejected[r] = 0;
  return {
    received: 0,
    applied: 0,
    late: 0,
    local: 0,
    duplicates: 0,
    quarantined: 0,
    held: 0,
    released: 0,
    evicted: 0,
    expired: 0,
    rejected,
    simplified: 0,
    cleared: 0,
    flagged: 0,
    listenerErrors: 0,
    dropped: 0,
    equivocations: 0,
  };
}
