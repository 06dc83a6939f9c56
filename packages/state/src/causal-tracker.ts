import type { EventId, NodeId } from '@elara/core';
import type { CausalContext } from './causal-context.ts';

/**
 * Answers "is watched event w in the causal past of durable event (author, seq)?" exactly,
 * in O(1) memory per (watched event, author) and without storing the history.
 *
 * An author's events form a chain (seq − 1 is an implied dependency), so the past of
 * (X, j) contains w exactly when j ≥ the first seq of X whose past contains w. For each
 * watched event the tracker keeps that first seq per author; when (X, s) is processed (in
 * causal order: its dependencies and predecessors first), it is the first of X to contain w
 * when one of its explicit dependencies contains w. Authority changes are watched (so a
 * revocation applies to the delegate's events after it, on every replica alike); state
 * part 2 watches membership entries the same way.
 *
 * Cost per processed event: O(dependencies × watched events their authors reach); nothing
 * when nothing is watched.
 *
 * @example
 * tracker.watch(revocation);                 // when the revocation is processed
 * tracker.record(carol, 9, [revocation]);    // carol's seq 9 names it
 * tracker.contains(carol, 12, revocation);   // true: seq 12 follows seq 9
 */
export class CausalTracker {
  private readonly watched: EventId[] = [];
  /** Per watched event: author → the first seq of that author whose past contains it. */
  private readonly firsts: Map<NodeId, number>[] = [];
  private readonly index = new Map<NodeId, Map<number, number>>();
  /**
   * Per author X, the watched slots some event of X has in its past (X's own watched events,
   * and those X reached through a dependency): the only ones an event naming X can extend.
   */
  private readonly reaching = new Map<NodeId, number[]>();
  private readonly scratch: ScratchContext;

  constructor(readonly maxWatched: number) {
    this.scratch = new ScratchContext(this);
  }

  /** Number of watched events. */
  get size(): number {
    return this.watched.length;
  }

  /**
   * Watches `id` from now on; call it when `id` is processed, before anything that depends
   * on it. False when already watched or at the bound.
   */
  watch(id: EventId): boolean {
    if (this.watched.length >= this.maxWatched || this.slotOf(id) !== undefined) return false;
    let bySeq = this.index.get(id.author);
    if (bySeq === undefined) this.index.set(id.author, (bySeq = new Map<number, number>()));
    const slot = this.watched.length;
    bySeq.set(id.seq, slot);
    this.watched.push({ author: id.author, seq: id.seq });
    this.firsts.push(new Map());
    let slots = this.reaching.get(id.author);
    if (slots === undefined) this.reaching.set(id.author, (slots = []));
    slots.push(slot);
    return true;
  }

  /** True when `id` is watched. */
  isWatched(id: EventId): boolean {
    return this.slotOf(id) !== undefined;
  }

  /**
   * Records that durable event (author, seq) with these dependencies was processed. Only
   * watched events some dependency's past contains can change: those are found through the
   * per-author index {@link reaching} (slots reaching each author), so the cost is
   * O(dependencies × slots reaching them), not O(everything ever watched).
   */
  record(author: NodeId, seq: number, dependencies: readonly EventId[]): void {
    if (this.watched.length === 0 || dependencies.length === 0) return;
    for (const d of dependencies) {
      const slots = this.reaching.get(d.author);
      if (slots === undefined) continue;
      for (const i of slots) {
        const firsts = this.firsts[i] as Map<NodeId, number>;
        if (firsts.has(author) || (this.watched[i] as EventId).author === author) continue;
        if (this.containsAt(i, d.author, d.seq)) this.reach(i, author, seq);
      }
    }
  }

  /** Notes that the past of `author`'s events from `seq` on contains watched slot `i`. */
  private reach(i: number, author: NodeId, seq: number): void {
    (this.firsts[i] as Map<NodeId, number>).set(author, seq);
    let slots = this.reaching.get(author);
    if (slots === undefined) this.reaching.set(author, (slots = []));
    slots.push(i);
  }

  /**
   * True when the past of processed event (author, seq), itself included, contains `id`.
   * Exact for watched events and for `id` of the same author; false otherwise.
   */
  contains(author: NodeId, seq: number, id: EventId): boolean {
    if (id.author === author) return seq >= id.seq;
    const slot = this.slotOf(id);
    return slot !== undefined && this.containsAt(slot, author, seq);
  }

  /**
   * The causal context of an event about to be processed: its own chain before it, its
   * dependencies and their pasts, and itself. Valid until the next call (it is reused).
   */
  context(author: NodeId, seq: number, dependencies: readonly EventId[]): CausalContext {
    this.scratch.author = author;
    this.scratch.seq = seq;
    this.scratch.dependencies = dependencies;
    return this.scratch;
  }

  private slotOf(id: EventId): number | undefined {
    return this.index.get(id.author)?.get(id.seq);
  }

  private containsAt(slot: number, author: NodeId, seq: number): boolean {
    const w = this.watched[slot] as EventId;
    if (w.author === author) return seq >= w.seq;
    const first = (this.firsts[slot] as Map<NodeId, number>).get(author);
    return first !== undefined && first <= seq;
  }
}

/** The reusable context object of {@link CausalTracker.context}. */
class ScratchContext implements CausalContext {
  author = 0n as NodeId;
  seq = 0;
  dependencies: readonly EventId[] = [];

  constructor(private readonly tracker: CausalTracker) {}

  contains(id: EventId): boolean {
    if (id.author === this.author) return this.seq >= id.seq;
    if (this.tracker.contains(this.author, this.seq - 1, id)) return true;
    for (const d of this.dependencies) {
      if (this.tracker.contains(d.author, d.seq, id)) return true;
    }
    return false;
  }
}
