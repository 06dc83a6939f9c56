import type { EventId } from '@elara/core';

/**
 * The causal past of one durable event (its own earlier events, its dependencies and
 * everything they depend on, the event itself included), as authority checks see it. Exact
 * for events the field watches (authority changes; the membership log's entries) and for the
 * event's own author; for any other event it answers false.
 */
export interface CausalContext {
  contains(id: EventId): boolean;
}
