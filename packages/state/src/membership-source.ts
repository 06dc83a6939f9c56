import type { NodeId } from '@elara/core';
import type { CausalContext } from './causal-context.ts';

/**
 * Who belongs to the session, as atoms with a `members` policy consult it. For a durable
 * event, `context` is its causal past, so a removal applies to the member's events that follow
 * it causally and every replica decides alike; ephemeral and local checks pass no context
 * (membership now). The context is valid only during the call. The session membership log
 * (state, part 2) implements it.
 */
export interface MembershipSource {
  isMember(node: NodeId, context?: CausalContext): boolean;
}

/**
 * A fixed membership, for tests and for sessions whose members are known up front.
 *
 * @example
 * const field = new StateField({ ...config, membership: staticMembership([alice, bob]) });
 */
export function staticMembership(nodes: Iterable<NodeId>): MembershipSource {
  const members = new Set<NodeId>(nodes);
  return { isMember: (node) => members.has(node) };
}
