import type { DurableEnvelope, EventId, NodeId, StateId } from '@elara/core';
import type { CausalContext } from './causal-context.ts';
import type { RejectionReason } from './rejection-reason.ts';
import type { SignatureCheck } from './stages/signature-check.ts';

/**
 * "Is watched event `id` in the causal past of processed durable event (author, seq), that
 * event included?": the field's {@link CausalTracker}, exact for watched events and for an
 * `id` of the same author.
 */
export type PastQuery = (author: NodeId, seq: number, id: EventId) => boolean;

/**
 * A component that follows a {@link StateField}'s durable events synchronously, in the order
 * the field processes them (each author's chain in seq order, dependencies first), local ones
 * included. The membership log judges and watches its entries through it; the event store
 * holds what the field processed or keeps in quarantine. Every method is optional. Observers
 * must not call back into the field, and the envelopes they get may be views into a datagram
 * (copy what is kept).
 */
export interface DurableObserver {
  /**
   * Called once, when the field is built, with its causal query, its node (`self`) and its
   * signature check (`verify(envelope, raw)`: undefined when authentic).
   */
  attach?(past: PastQuery, self: NodeId, verify: SignatureCheck): void;
  /**
   * How many events this observer makes the field watch at most ({@link watches}): its own
   * budget in the causal tracker, apart from the atoms' grants and revocations
   * (`maxAuthorityChanges`), so filling one never blocks the other. It refuses beyond it in
   * {@link judge}.
   */
  readonly watchBudget?: number;
  /**
   * False when this observer knows no signing key for `author` yet: a durable event of it
   * whose signature fails then waits in quarantine (bounded, unverified) for the dependency
   * it lacks, and is verified when released (a joiner's first event may arrive before the
   * membership entry that adds its key).
   */
  knowsSigner?(author: NodeId): boolean;
  /**
   * The last step of the authority stage, for a causally ready durable event that passed the
   * field's own checks: a reason refuses it on every replica alike (its seq is consumed, as for
   * any refusal), so the verdict must depend only on the event and its causal past.
   */
  judge?(envelope: DurableEnvelope, context: CausalContext): RejectionReason | undefined;
  /**
   * Atoms whose applied events the field watches in its causal tracker (they count against
   * {@link watchBudget}), each then reported to {@link applied}.
   */
  watches?(target: StateId): boolean;
  /** An event of a watched atom was applied; it is watched from now on. */
  applied?(envelope: DurableEnvelope): void;
  /**
   * An authentic durable event now waits in quarantine (for its dependencies, its atom or its
   * time): the event store holds it too, so peers can get it from us before we apply it.
   */
  held?(envelope: DurableEnvelope): void;
  /** A durable event left quarantine unprocessed (evicted; the field reports it too). */
  evicted?(envelope: DurableEnvelope): void;
  /**
   * A durable event whose seq the field consumed: applied, or authentic and refused. Every
   * replica consumes the same chain, so this is what peers need to repair theirs.
   */
  processed?(envelope: DurableEnvelope): void;
  /**
   * Another copy of a durable event whose seq the field consumed or holds, with a signature
   * other than the one the field keeps, not verified (`raw`: its received bytes, when the field
   * got bytes). An observer holding that event (the event store) compares it, by content, and
   * reports an equivocation when they differ and the copy is authentic: true then (or when
   * reported already), false when it is the same event or a forgery, undefined when it does
   * not hold the event (the field then compares where it can).
   */
  repeated?(envelope: DurableEnvelope, raw: Uint8Array | undefined): boolean | undefined;
  /**
   * The field reported (author, seq) as equivocated: an observer that reports equivocations
   * too does not report it again (so each pair is reported once between them).
   */
  equivocated?(author: NodeId, seq: number): void;
}
