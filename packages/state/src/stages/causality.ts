import type { DurableEnvelope, EventId, NodeId } from '@elara/core';
import { RejectionReason } from '../rejection-reason.ts';

/**
 * Why a durable event's dependencies can never be satisfied, or undefined: a dependency on its
 * author's own seq or later is `FutureDependency` (it claims an event that cannot precede it).
 * Judged in the author's chain order, like every other refusal of an authentic event, so its
 * seq is consumed identically on every replica.
 */
export function dependencyProblem(envelope: DurableEnvelope): RejectionReason | undefined {
  for (const d of envelope.dependencies) {
    if (d.author === envelope.author && d.seq >= envelope.seq) {
      return RejectionReason.FutureDependency;
    }
  }
  return undefined;
}

/**
 * The causality stage: the first event `envelope` still waits for, or undefined when it can be
 * processed. `processed(author)` is the highest seq of `author` processed contiguously from 1.
 * The author's previous seq comes first (it is implied), then the named dependencies in order;
 * an event whose dependencies are impossible waits only for its predecessor (it will be
 * refused in order). Concurrent events (neither waiting for the other) both pass: merging them
 * is the delta law's business.
 *
 * @example
 * firstMissing(e, (a) => frontier.get(a) ?? 0); // { author: bob, seq: 7 } → quarantine
 */
export function firstMissing(
  envelope: DurableEnvelope,
  processed: (author: NodeId) => number,
): EventId | undefined {
  if (processed(envelope.author) < envelope.seq - 1) {
    return { author: envelope.author, seq: envelope.seq - 1 };
  }
  if (dependencyProblem(envelope) !== undefined) return undefined;
  for (const d of envelope.dependencies) if (processed(d.author) < d.seq) return d;
  return undefined;
}
