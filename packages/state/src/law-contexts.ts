import type { NodeId } from '@elara/core';
import type { LawContext } from './laws/law-state.ts';
import { seenAllBelow, seenHas, seenWindow, type SeenWindow } from './seen-window.ts';

/**
 * The {@link LawContext} of a field's durable atoms (one serves them all): an author's durable
 * events are processed in its chain order, so everything up to its highest processed seq is.
 */
export class DurableLawContext implements LawContext {
  constructor(private readonly processedOf: (author: NodeId) => number) {}

  processed(author: NodeId, number: number): boolean {
    return this.processedOf(author) >= number;
  }

  settledBelow(author: NodeId, number: number): boolean {
    return this.processedOf(author) >= number - 1;
  }
}

/**
 * What one ephemeral atom knows of its authors' counters, and its {@link LawContext}: the seen
 * window per author (counters taken, like a replay window), and the counters seen but waiting
 * in quarantine. Processed means applied or refused for good: a held event is neither yet, so
 * a set operation that observed one records a pending retirement for it.
 */
export class EphemeralLawContext implements LawContext {
  private readonly seen = new Map<NodeId, SeenWindow>();
  private readonly held = new Map<NodeId, Set<number>>();

  /** The seen window of `author` (made on first use). */
  window(author: NodeId): SeenWindow {
    let w = this.seen.get(author);
    if (w === undefined) this.seen.set(author, (w = seenWindow()));
    return w;
  }

  /** Notes that event (author, counter) waits in quarantine. */
  hold(author: NodeId, counter: number): void {
    let counters = this.held.get(author);
    if (counters === undefined) this.held.set(author, (counters = new Set<number>()));
    counters.add(counter);
  }

  /** Event (author, counter) no longer waits (applied or refused). */
  release(author: NodeId, counter: number): void {
    const counters = this.held.get(author);
    if (counters !== undefined && counters.delete(counter) && counters.size === 0) {
      this.held.delete(author);
    }
  }

  processed(author: NodeId, number: number): boolean {
    const w = this.seen.get(author);
    return w !== undefined && seenHas(w, number) && this.held.get(author)?.has(number) !== true;
  }

  settledBelow(author: NodeId, number: number): boolean {
    const w = this.seen.get(author);
    if (w === undefined) return number <= 0;
    if (!seenAllBelow(w, number)) return false;
    for (const c of this.held.get(author) ?? []) if (c < number) return false;
    return true;
  }
}
