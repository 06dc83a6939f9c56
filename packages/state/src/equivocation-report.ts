import type { NodeId } from '@elara/core';

/**
 * Two different, validly signed durable events with one (author, seq): the author equivocated
 * (a Byzantine member, or a node restored from an old backup). The field keeps the one it
 * processed or holds first; replicas that received the other first diverge on that event, so
 * the runtime should report the author (membership part 2 can expel it).
 *
 * An event store observing the field compares every copy of an event it holds, by content (the
 * same content under another signature is the same event), whatever its seq
 * (`EventStore.onEquivocation`); the field compares only where the store holds nothing: against
 * the copy in quarantine (by content) and the author's latest processed event (by signature:
 * its content is not kept). Between them each (author, seq) is reported once. A copy is never
 * compared with one that waits unverified (its author's key unknown): it may be a forgery.
 */
export interface EquivocationReport {
  readonly author: NodeId;
  readonly seq: number;
}
