import { MAX_EVENT_SEQ, type NodeId } from '@elara/core';
import { type Digest, digestAcknowledgements } from './digest.ts';

/** Bounds of an {@link AckTable}. */
export interface AckTableLimits {
  /** Members whose acknowledgements are kept. */
  readonly maxMembers: number;
  /** Authors acknowledged per member. */
  readonly maxAuthors: number;
}

/** The defaults. */
export const DEFAULT_ACK_TABLE_LIMITS: AckTableLimits = { maxMembers: 4_096, maxAuthors: 4_096 };

/**
 * What each member holds of each author's durable events, from cumulative acknowledgements
 * (core's `ack` control message, or a member's {@link Digest}): for each (member, author) the
 * highest seq up to which it holds everything. `ackedByAll(author)` is the minimum over the
 * current members, what no member needs any more: the local log drains to it, the event store
 * evicts below it first. With no other member it is 2^32 − 1 (nobody is waiting).
 *
 * Acknowledgements only grow (a lower one is ignored); those of non-members are ignored and
 * counted. Listeners hear when `ackedByAll` of an author rises.
 *
 * @example
 * acks.setMembers(log.members().map((m) => m.id).filter((id) => id !== self));
 * acks.recordDigest(peer, digest);   // or acks.record(peer, author, seq) from an ack message
 * acks.ackedByAll(self);             // what every member holds of ours
 */
export class AckTable {
  readonly limits: AckTableLimits;
  private readonly acks = new Map<NodeId, Map<NodeId, number>>();
  private readonly all = new Map<NodeId, number>();
  private readonly listeners = new Set<(author: NodeId, upTo: number) => void>();
  private ignoredCount = 0;
  private listenerErrorCount = 0;
  /** More members than `maxMembers`: the untracked ones may lack anything, so nothing drains. */
  private overflowed = false;

  constructor(limits: Partial<AckTableLimits> = {}) {
    this.limits = { ...DEFAULT_ACK_TABLE_LIMITS, ...limits };
  }

  /**
   * The members whose acknowledgements count (this node excluded). Members that left are
   * forgotten; `ackedByAll` is recomputed, and listeners hear of every rise (a member that
   * never acknowledged leaving can release everything it held back). Beyond `maxMembers`,
   * the rest are not tracked (counted as ignored) and nothing counts as acknowledged by all
   * (`ackedByAll` is 0: the local log holds everything) until the members fit again.
   */
  setMembers(members: Iterable<NodeId>): void {
    const next = new Set<NodeId>();
    let untracked = 0;
    for (const m of members) {
      if (next.has(m)) continue;
      if (next.size >= this.limits.maxMembers) untracked++;
      else next.add(m);
    }
    this.ignoredCount += untracked;
    const released = this.overflowed && untracked === 0;
    this.overflowed = untracked > 0;
    for (const m of this.acks.keys()) if (!next.has(m)) this.acks.delete(m);
    for (const m of next) if (!this.acks.has(m)) this.acks.set(m, new Map());
    const authors = new Set<NodeId>(this.all.keys());
    for (const table of this.acks.values()) for (const a of table.keys()) authors.add(a);
    for (const a of authors) this.recompute(a, released);
  }

  /** The members tracked. */
  members(): NodeId[] {
    return [...this.acks.keys()];
  }

  /**
   * `member` holds every event of `author` up to `upTo`. True when `ackedByAll(author)` rose.
   */
  record(member: NodeId, author: NodeId, upTo: number): boolean {
    const table = this.acks.get(member);
    if (table === undefined || !Number.isInteger(upTo) || upTo < 0 || upTo > MAX_EVENT_SEQ) {
      this.ignoredCount++;
      return false;
    }
    const before = table.get(author);
    if (before !== undefined && upTo <= before) return false;
    if (before === undefined && table.size >= this.limits.maxAuthors) {
      this.ignoredCount++;
      return false;
    }
    table.set(author, upTo);
    return this.recompute(author);
  }

  /** Records what `member`'s digest holds contiguously of each author; the authors that rose. */
  recordDigest(member: NodeId, digest: Digest): NodeId[] {
    const rose: NodeId[] = [];
    for (const [author, upTo] of digestAcknowledgements(digest)) {
      if (this.record(member, author, upTo)) rose.push(author);
    }
    return rose;
  }

  /** What `member` acknowledged of `author` (0 when nothing). */
  acked(member: NodeId, author: NodeId): number {
    return this.acks.get(member)?.get(author) ?? 0;
  }

  /** The highest seq of `author` every member holds everything up to. */
  ackedByAll(author: NodeId): number {
    if (this.overflowed) return 0;
    if (this.acks.size === 0) return MAX_EVENT_SEQ;
    return this.all.get(author) ?? 0;
  }

  /** Acknowledgements ignored: from non-members, out of range, or beyond the bounds. */
  get ignored(): number {
    return this.ignoredCount;
  }

  /** Listeners that threw (counted, not rethrown). */
  get listenerErrors(): number {
    return this.listenerErrorCount;
  }

  /** Calls `listener(author, upTo)` whenever `ackedByAll(author)` rises. Returns its remover. */
  onAdvance(listener: (author: NodeId, upTo: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Recomputes `ackedByAll(author)`; tells listeners of a rise (or of any value, `released`). */
  private recompute(author: NodeId, released = false): boolean {
    let min = MAX_EVENT_SEQ;
    for (const table of this.acks.values()) {
      const n = table.get(author) ?? 0;
      if (n < min) min = n;
      if (min === 0) break;
    }
    const before = this.all.get(author) ?? 0;
    if (min === before && !released) return false;
    if (min === 0 || this.acks.size === 0) this.all.delete(author);
    else this.all.set(author, min);
    if (this.overflowed || min === 0 || (min < before && !released)) return false;
    for (const l of this.listeners) {
      try {
        l(author, min);
      } catch {
        this.listenerErrorCount++;
      }
    }
    return true;
  }
}
