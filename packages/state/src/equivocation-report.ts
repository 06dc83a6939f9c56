import type { NodeId } from '@elara/core';

/**
 * Two different, validly signed durable events with one (author, seq): the author equivocated
 * (a Byzantine member, or a node restored from an old backup). The field keeps the one it
 * processed or holds first; replicas that received the other first diverge on that event, so
 * the runtime should report the author (membership part 2 can expel it).
 *
 * The field detects it against the copy held in quarantine and against the author's latest
 * processed event (its signature is kept); the event store against any event it still holds,
 * an older processed seq included (`EventStore.onEquivocation`). The two never report the same
 * delivery.
 */
export interface EquivocationReport {
  readonly author: NodeId;
  readonly seq: number;
}
