import type { MutationOp, NodeId } from '@elara/core';
import type { AtomOp } from '../atom-op.ts';
import type { CanonicalValue } from '../canonical-value.ts';
import type { LawKind } from '../delta-law.ts';
import type { EventStamp } from '../event-stamp.ts';
import type { RejectionReason } from '../rejection-reason.ts';
import type { LawDelta } from './law-delta.ts';

/** What a law may ask the field while applying an event. */
export interface LawContext {
  /** True when this atom's event (author, number) was already processed here. */
  processed(author: NodeId, number: number): boolean;
  /**
   * True when every event of `author` for this atom numbered below `number` was processed here
   * (applied, refused or given up for good): none of them can still arrive. Durable events
   * arrive in their author's chain order, so for them it is always true at `number`.
   */
  settledBelow(author: NodeId, number: number): boolean;
}

/**
 * The result of applying one event: a delta when the visible value changed (and the caller
 * asked for reports), a rejection reason when the law refused the event (nothing changed), or
 * undefined when the event was merged without visible change.
 */
export type LawResult = LawDelta | RejectionReason | undefined;

/**
 * The mutable state of one atom under its law. Implementations must validate before they
 * change anything, so a refused event leaves no trace, and must copy every byte they keep
 * (events may be views into a datagram).
 */
export interface LawState {
  readonly kind: LawKind;
  /**
   * Accepted events this state discarded since it was made, to stay within its law's bounds
   * (an append log's oldest entries or arrivals at or below its floor, frames beyond
   * `maxFrames`): counted, since their events were reported as applied.
   */
  readonly dropped: number;
  /** The operation `m` performs under this law, or 0 when the law does not take it. */
  opOf(m: MutationOp): AtomOp | 0;
  /** Merges one event (`opOf(m)` is not 0). Builds a delta only when `report` is true. */
  apply(stamp: EventStamp, m: MutationOp, context: LawContext, report: boolean): LawResult;
  /** The canonical form of the state (equal on replicas that merged the same events). */
  snapshot(): CanonicalValue;
  /** True when nothing is held. */
  isEmpty(): boolean;
  /** Empties the state (divergence control of Enhancement and Cosmetic atoms). */
  clear(): void;
  /** Drops detail a Perceptual atom can live without; true when something was dropped. */
  simplify(): boolean;
  /** Removes what expired at `now` (ephemeral law); returns the deltas. */
  expire(now: number): LawDelta[];
}
