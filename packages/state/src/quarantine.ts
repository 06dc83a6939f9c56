import { EventKind, type EventEnvelope, type EventId, type NodeId } from '@elara/core';
import { EvictionReason } from './eviction-report.ts';

/** Bounds of a {@link Quarantine}. */
export interface QuarantineLimits {
  /** Events held at most. */
  readonly maxEvents: number;
  /** Encoded bytes held at most. */
  readonly maxBytes: number;
  /** Longest wait, µs (τs). */
  readonly maxAgeUs: number;
  /** Events of one author held at most (so one author cannot flush everyone else's). */
  readonly maxPerAuthor: number;
  /** Encoded bytes of one author held at most (a few large events must not flush the rest). */
  readonly maxPerAuthorBytes: number;
}

/** An event waiting in quarantine. */
export interface QuarantinedEvent {
  /** The event, owned by the quarantine (copied on the way in). */
  readonly envelope: EventEnvelope;
  /** Encoded size, counted against `maxBytes`. */
  readonly bytes: number;
  /** τs when it arrived. */
  readonly arrivedAt: number;
  /** A durable event's missing dependency, or undefined when it waits for its time. */
  waitingOn: EventId | undefined;
}

interface Slot extends QuarantinedEvent {
  readonly key: number;
}

/** An event dropped from the quarantine, and why. */
export interface Eviction {
  readonly event: QuarantinedEvent;
  readonly reason: EvictionReason;
}

/**
 * Events that cannot be applied yet, held whole: durable events waiting for a dependency
 * (indexed by the exact id they wait for, so they are released as soon as it is processed)
 * and events waiting for their time. Bounded by count, bytes, age and a share per author (in
 * events and in bytes); whatever leaves without being applied is returned as an
 * {@link Eviction} for the field to report. Making room evicts the oldest event of the author
 * holding the most, so one author cannot flush everyone else's.
 */
export class Quarantine {
  private readonly slots = new Map<number, Slot>();
  private readonly waiting = new Map<NodeId, Map<number, Slot[]>>();
  private readonly durable = new Map<NodeId, Map<number, Slot>>();
  /** Each author's held events, oldest first (their count is the author's share). */
  private readonly perAuthor = new Map<NodeId, Set<Slot>>();
  private readonly perAuthorBytes = new Map<NodeId, number>();
  private readonly timed = new Set<Slot>();
  private heldBytes = 0;
  private nextKey = 0;

  constructor(readonly limits: QuarantineLimits) {}

  /** Events held. */
  get size(): number {
    return this.slots.size;
  }

  /** Encoded bytes held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Events held that wait for their time. */
  get timedCount(): number {
    return this.timed.size;
  }

  /** True when durable event (author, seq) is held. */
  holds(author: NodeId, seq: number): boolean {
    return this.durable.get(author)?.has(seq) === true;
  }

  /** The held durable event (author, seq), if any. */
  heldDurable(author: NodeId, seq: number): QuarantinedEvent | undefined {
    return this.durable.get(author)?.get(seq);
  }

  /**
   * Admits an event (waiting for `waitingOn`, or for its time when undefined). Returns what
   * had to go to make room; when the event itself is refused it is the last eviction listed.
   */
  admit(event: QuarantinedEvent): Eviction[] {
    const evicted: Eviction[] = [];
    const author = event.envelope.author;
    const { maxEvents, maxBytes, maxPerAuthor, maxPerAuthorBytes } = this.limits;
    if (
      (this.perAuthor.get(author)?.size ?? 0) >= maxPerAuthor ||
      (this.perAuthorBytes.get(author) ?? 0) + event.bytes > maxPerAuthorBytes ||
      event.bytes > maxBytes
    ) {
      evicted.push({ event, reason: EvictionReason.AuthorShare });
      return evicted;
    }
    while (this.slots.size >= maxEvents || this.heldBytes + event.bytes > maxBytes) {
      const byCount = this.slots.size >= maxEvents;
      const victim = this.heaviestOldest(byCount);
      this.remove(victim);
      evicted.push({
        event: victim,
        reason: byCount ? EvictionReason.Count : EvictionReason.Bytes,
      });
    }
    const slot: Slot = { ...event, key: this.nextKey++ };
    this.slots.set(slot.key, slot);
    this.heldBytes += slot.bytes;
    let mine = this.perAuthor.get(author);
    if (mine === undefined) this.perAuthor.set(author, (mine = new Set<Slot>()));
    mine.add(slot);
    this.perAuthorBytes.set(author, (this.perAuthorBytes.get(author) ?? 0) + slot.bytes);
    if (slot.envelope.kind === EventKind.Durable) {
      let seqs = this.durable.get(author);
      if (seqs === undefined) this.durable.set(author, (seqs = new Map<number, Slot>()));
      seqs.set(slot.envelope.seq, slot);
    }
    this.index(slot);
    return evicted;
  }

  /**
   * Takes out of the index the events waiting for `id` (they stay held): the caller either
   * applies them ({@link remove}) or makes them wait again ({@link wait}).
   */
  takeWaiting(id: EventId): QuarantinedEvent[] {
    const bySeq = this.waiting.get(id.author);
    const list = bySeq?.get(id.seq);
    if (bySeq === undefined || list === undefined) return [];
    bySeq.delete(id.seq);
    if (bySeq.size === 0) this.waiting.delete(id.author);
    for (const s of list) s.waitingOn = undefined;
    return list;
  }

  /** Takes out every event waiting for its time (they stay held). */
  takeTimed(): QuarantinedEvent[] {
    const out = [...this.timed];
    this.timed.clear();
    return out;
  }

  /** Makes a held event wait again: for `on`, or for its time when undefined. */
  wait(event: QuarantinedEvent, on: EventId | undefined): void {
    const slot = event as Slot;
    if (!this.slots.has(slot.key)) return;
    this.unindex(slot);
    slot.waitingOn = on;
    this.index(slot);
  }

  /** Drops a held event (applied, or refused for good). */
  remove(event: QuarantinedEvent): void {
    const slot = event as Slot;
    if (!this.slots.delete(slot.key)) return;
    this.unindex(slot);
    this.heldBytes -= slot.bytes;
    const author = slot.envelope.author;
    const mine = this.perAuthor.get(author);
    mine?.delete(slot);
    if (mine?.size === 0) this.perAuthor.delete(author);
    const bytes = (this.perAuthorBytes.get(author) ?? slot.bytes) - slot.bytes;
    if (bytes <= 0) this.perAuthorBytes.delete(author);
    else this.perAuthorBytes.set(author, bytes);
    if (slot.envelope.kind === EventKind.Durable) {
      const seqs = this.durable.get(author);
      seqs?.delete(slot.envelope.seq);
      if (seqs?.size === 0) this.durable.delete(author);
    }
  }

  /**
   * Evicts what has waited longer than `maxAgeUs` at `now`: `missing-dependency` for an event
   * still waiting for a dependency, `age` for one waiting for its time (or its atom).
   */
  evictAged(now: number): Eviction[] {
    const out: Eviction[] = [];
    const limit = now - this.limits.maxAgeUs;
    for (const slot of this.slots.values()) {
      if (slot.arrivedAt >= limit) break;
      const reason =
        slot.waitingOn === undefined ? EvictionReason.Age : EvictionReason.MissingDependency;
      out.push({ event: slot, reason });
    }
    for (const e of out) this.remove(e.event);
    return out;
  }

  /** Every held event, oldest first. */
  held(): QuarantinedEvent[] {
    return [...this.slots.values()];
  }

  /**
   * What goes to make room: the oldest event of the author holding the most (events when
   * `byCount`, else bytes), so one author's flood evicts its own events before anyone else's.
   */
  private heaviestOldest(byCount: boolean): Slot {
    let heaviest: NodeId | undefined;
    let most = -1;
    for (const [author, mine] of this.perAuthor) {
      const weight = byCount ? mine.size : (this.perAuthorBytes.get(author) ?? 0);
      if (weight > most) {
        most = weight;
        heaviest = author;
      }
    }
    const mine = this.perAuthor.get(heaviest as NodeId) as Set<Slot>;
    return mine.values().next().value as Slot;
  }

  private index(slot: Slot): void {
    const on = slot.waitingOn;
    if (on === undefined) {
      this.timed.add(slot);
      return;
    }
    let bySeq = this.waiting.get(on.author);
    if (bySeq === undefined) this.waiting.set(on.author, (bySeq = new Map<number, Slot[]>()));
    const list = bySeq.get(on.seq);
    if (list === undefined) bySeq.set(on.seq, [slot]);
    else list.push(slot);
  }

  private unindex(slot: Slot): void {
    const on = slot.waitingOn;
    if (on === undefined) {
      this.timed.delete(slot);
      return;
    }
    const bySeq = this.waiting.get(on.author);
    const list = bySeq?.get(on.seq);
    if (bySeq === undefined || list === undefined) return;
    const i = list.indexOf(slot);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) bySeq.delete(on.seq);
    if (bySeq.size === 0) this.waiting.delete(on.author);
  }
}
