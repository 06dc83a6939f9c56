import { type EventEnvelope, EventKind, type NodeId } from '@elara/core';
import type { InterestRegistry } from './interest-registry.ts';

/** What {@link Diffusion} needs: this node and who is in the session now. */
export interface DiffusionConfig {
  readonly self: NodeId;
  /** Every member now, observers included (e.g. `() => log.members().map((m) => m.id)`). */
  readonly members: () => Iterable<NodeId>;
  /** Ephemeral interests; without one every member wants everything. */
  readonly interests?: InterestRegistry;
}

/**
 * Who an event goes to (ARCHITECTURE.md "Event identity"):
 * - a **durable** event: every member but this node and the event's author, observers
 *   included, with no interest filter, so every member can hold every author's chain without
 *   gaps by design (this is also the set a forwarded or repaired event may go to);
 * - an **ephemeral** event of this node: the members interested in its target atom (all by
 *   default);
 * - an ephemeral event of another node: nobody (ephemeral events travel only on their
 *   author's own channel, never forwarded).
 *
 * @example
 * for (const peer of diffusion.recipients(event)) channelTo(peer).send(bytes);
 */
export class Diffusion {
  private readonly self: NodeId;
  private readonly members: () => Iterable<NodeId>;
  private readonly interests: InterestRegistry | undefined;
  /** Members already listed by the call in progress (reused: no allocation per event). */
  private readonly listed = new Set<NodeId>();

  constructor(config: DiffusionConfig) {
    this.self = config.self;
    this.members = config.members;
    this.interests = config.interests;
  }

  /** The members `event` goes to, each once, in the order `members()` lists them. */
  recipients(event: EventEnvelope): NodeId[] {
    const out: NodeId[] = [];
    if (event.kind === EventKind.Ephemeral && event.author !== this.self) return out;
    const listed = this.listed;
    listed.clear();
    for (const m of this.members()) {
      if (m === this.self || m === event.author || listed.has(m)) continue;
      listed.add(m);
      if (
        event.kind === EventKind.Ephemeral &&
        this.interests !== undefined &&
        !this.interests.isInterested(m, event.target)
      ) {
        continue;
      }
      out.push(m);
    }
    listed.clear();
    return out;
  }
}
