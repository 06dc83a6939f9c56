import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { LawKind } from '../delta-law.ts';
import { compareStamps, type EventStamp } from '../event-stamp.ts';
import type { LogEntry } from '../log-entry.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawResult, LawState } from './law-state.ts';

const INITIAL_ENTRIES = 64;
const INITIAL_SLAB = 4096;

/**
 * Append-only causal log: entries sorted by stamp (effective τs, author, number), so every
 * replica holding the same events holds them in the same order, and each author's entries stay
 * in its seq order (effective τs never decreases along an author's seqs). Idempotent: an event
 * already in the log is ignored.
 *
 * Bounded: beyond `maxEntries` entries or `maxBytes` bytes the oldest entries are dropped, and
 * an arriving entry that sorts at or below the newest dropped one is dropped at once. The kept
 * entries are therefore always the longest suffix of the order that fits both bounds, the same
 * on every replica.
 *
 * Stored column-wise (typed arrays, data in one growing byte slab) so a million entries cost a
 * few dozen bytes each and no object per entry; arrivals in order append at the end, late ones
 * are inserted by binary search. Entry data are views into the slab: a slab is never written
 * again once replaced, so views handed out stay valid.
 */
export class AppendLog implements LawState {
  readonly kind = LawKind.AppendLog;
  /** Entries discarded by the bounds, arrivals at or below the floor included. */
  dropped = 0;
  private times = new Float64Array(INITIAL_ENTRIES);
  private numbers = new Uint32Array(INITIAL_ENTRIES);
  private authorIds = new Uint32Array(INITIAL_ENTRIES);
  private starts = new Uint32Array(INITIAL_ENTRIES);
  private lengths = new Uint32Array(INITIAL_ENTRIES);
  private head = 0;
  private tail = 0;
  private slab = new Uint8Array(INITIAL_SLAB);
  private slabUsed = 0;
  private liveBytes = 0;
  private readonly authorTable: NodeId[] = [];
  private readonly authorIndex = new Map<NodeId, number>();
  /** The stamp of the newest dropped entry (entries at or below it are dropped on arrival). */
  private floor: { time: number; author: NodeId; number: number } | undefined = undefined;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  /** Number of entries held. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Total bytes of the entries held. */
  get bytes(): number {
    return this.liveBytes;
  }

  /** The entry at `index` in the log's order (0 = oldest held), or undefined. */
  entryAt(index: number): LogEntry | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.tail - this.head) return undefined;
    return this.entryAtSlot(this.head + index);
  }

  /** Every entry, oldest first. */
  *entries(): IterableIterator<LogEntry> {
    for (let i = this.head; i < this.tail; i++) yield this.entryAtSlot(i);
  }

  opOf(m: MutationOp): AtomOp | 0 {
    return m.type === 'append' ? AtomOp.Append : 0;
  }

  apply(stamp: EventStamp, m: MutationOp, _context: unknown, report: boolean): LawResult {
    if (m.type !== 'append') return undefined;
    const data = m.data;
    if (this.floor !== undefined && compareStamps(stamp, this.floor) <= 0) {
      this.dropped++;
      return report ? this.delta(stamp, data, -1, 0) : undefined;
    }
    let slot = this.tail;
    if (slot > this.head && this.compareSlot(slot - 1, stamp) >= 0) {
      slot = this.search(stamp);
      if (slot > this.head && this.compareSlot(slot - 1, stamp) === 0) return undefined;
    }
    const authorId = this.intern(stamp.author);
    const slot2 = this.reserve(slot, data.length);
    this.times[slot2] = stamp.time;
    this.numbers[slot2] = stamp.number;
    this.authorIds[slot2] = authorId;
    this.starts[slot2] = this.slabUsed;
    this.lengths[slot2] = data.length;
    this.slab.set(data, this.slabUsed);
    this.slabUsed += data.length;
    this.liveBytes += data.length;
    let dropped = 0;
    while (this.tail - this.head > this.maxEntries || this.liveBytes > this.maxBytes) {
      this.dropOldest();
      dropped++;
    }
    this.dropped += dropped;
    if (!report) return undefined;
    const index = slot2 - this.head;
    return index < 0
      ? this.delta(stamp, data, -1, dropped)
      : { law: 'append-log', entry: this.entryAtSlot(slot2), index, dropped };
  }

  snapshot(): CanonicalValue {
    const out: CanonicalValue[] = [];
    for (let i = this.head; i < this.tail; i++) {
      const e = this.entryAtSlot(i);
      out.push([nodeIdToHex(e.author), e.number, e.time, bytesToHex(e.data)]);
    }
    return out;
  }

  isEmpty(): boolean {
    return this.tail === this.head;
  }

  clear(): void {
    this.head = this.tail = 0;
    this.slab = new Uint8Array(INITIAL_SLAB);
    this.slabUsed = this.liveBytes = 0;
    this.floor = undefined;
  }

  simplify(): boolean {
    return false;
  }

  expire(): LawDelta[] {
    return [];
  }

  private delta(stamp: EventStamp, data: Uint8Array, index: number, dropped: number): LawDelta {
    const entry = { author: stamp.author, number: stamp.number, time: stamp.time, data };
    return { law: 'append-log', entry: { ...entry, data: data.slice() }, index, dropped };
  }

  private entryAtSlot(slot: number): LogEntry {
    const start = this.starts[slot] as number;
    return {
      author: this.authorTable[this.authorIds[slot] as number] as NodeId,
      number: this.numbers[slot] as number,
      time: this.times[slot] as number,
      data: this.slab.subarray(start, start + (this.lengths[slot] as number)),
    };
  }

  private intern(author: NodeId): number {
    let id = this.authorIndex.get(author);
    if (id === undefined) {
      id = this.authorTable.length;
      this.authorTable.push(author);
      this.authorIndex.set(author, id);
    }
    return id;
  }

  /** Order of the entry in `slot` against `stamp`. */
  private compareSlot(slot: number, stamp: Pick<EventStamp, 'time' | 'author' | 'number'>): number {
    const t = this.times[slot] as number;
    if (t !== stamp.time) return t < stamp.time ? -1 : 1;
    const a = this.authorTable[this.authorIds[slot] as number] as NodeId;
    if (a !== stamp.author) return a < stamp.author ? -1 : 1;
    return (this.numbers[slot] as number) - stamp.number;
  }

  /** The first slot whose entry sorts after `stamp`. */
  private search(stamp: EventStamp): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareSlot(mid, stamp) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Makes room for one entry at `slot` (shifting later entries) and `bytes` in the slab;
   * returns the slot to write, which moves when the columns are compacted.
   */
  private reserve(slot: number, bytes: number): number {
    if (this.tail === this.times.length) {
      const live = this.tail - this.head;
      const capacity = live * 2 <= this.times.length ? this.times.length : this.times.length * 2;
      const shift = this.head;
      this.times = this.moved(this.times, new Float64Array(capacity));
      this.numbers = this.moved(this.numbers, new Uint32Array(capacity));
      this.authorIds = this.moved(this.authorIds, new Uint32Array(capacity));
      this.starts = this.moved(this.starts, new Uint32Array(capacity));
      this.lengths = this.moved(this.lengths, new Uint32Array(capacity));
      this.head = 0;
      this.tail = live;
      slot -= shift;
    }
    if (slot < this.tail) {
      for (const column of [this.times, this.numbers, this.authorIds, this.starts, this.lengths]) {
        column.copyWithin(slot + 1, slot, this.tail);
      }
    }
    this.tail++;
    this.lengths[slot] = 0;
    if (this.slabUsed + bytes > this.slab.length) this.regrowSlab(bytes);
    return slot;
  }

  private moved<T extends Float64Array | Uint32Array>(from: T, to: T): T {
    to.set(from.subarray(this.head, this.tail));
    return to;
  }

  /** A new slab (old views stay valid): compacted when most of the old one is dropped data. */
  private regrowSlab(extra: number): void {
    const need = this.liveBytes + extra;
    let size = this.slab.length;
    while (size < need * 2) size *= 2;
    const next = new Uint8Array(size);
    if (this.liveBytes * 2 < this.slabUsed) {
      let at = 0;
      for (let i = this.head; i < this.tail; i++) {
        const start = this.starts[i] as number;
        const len = this.lengths[i] as number;
        if (len > 0) next.set(this.slab.subarray(start, start + len), at);
        this.starts[i] = at;
        at += len;
      }
      this.slabUsed = at;
    } else {
      next.set(this.slab.subarray(0, this.slabUsed));
    }
    this.slab = next;
  }

  private dropOldest(): void {
    const slot = this.head;
    this.floor = {
      time: this.times[slot] as number,
      author: this.authorTable[this.authorIds[slot] as number] as NodeId,
      number: this.numbers[slot] as number,
    };
    this.liveBytes -= this.lengths[slot] as number;
    this.head++;
  }
}
