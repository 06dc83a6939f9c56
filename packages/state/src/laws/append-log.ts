import { type MutationOp, type NodeId, nodeIdToHex } from '@elara/core';
import { AtomOp } from '../atom-op.ts';
import { bytesToHex, type CanonicalValue } from '../canonical-value.ts';
import { LawKind } from '../delta-law.ts';
import { compareStamps, type EventStamp } from '../event-stamp.ts';
import type { LogEntry } from '../log-entry.ts';
import type { LawDelta } from './law-delta.ts';
import type { LawResult, LawState } from './law-state.ts';

/** Columns and slab start empty (an unused log costs no arrays) and grow from these sizes. */
const FIRST_ENTRIES = 4;
const FIRST_SLAB = 64;
const NO_TIMES = new Float64Array(0);
const NO_U32 = new Uint32Array(0);
const NO_BYTES = new Uint8Array(0);
/** u32 fields of an entry's row in `rows`: seq or counter, author (interned), data start, length. */
const NUMBER = 0;
const AUTHOR = 1;
const START = 2;
const LENGTH = 3;
const ROW = 4;

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
 * Stored in typed arrays (times, then one row of u32 fields per entry; data in one growing
 * byte slab) so a million entries cost a few dozen bytes each and no object per entry. The columns and the slab start empty and grow
 * geometrically, never past about twice the bounds (`maxEntries` rows, `maxBytes` bytes), so
 * an unused or short log costs next to nothing. Arrivals in order append at the end; a late one
 * is found by binary search and inserted by moving the entries after it (`copyWithin`), so its
 * cost grows with how many held entries sort after it. Entry data are views into the slab: a
 * slab is never written again once replaced, so views handed out stay valid.
 */
export class AppendLog implements LawState {
  readonly kind = LawKind.AppendLog;
  /** Entries discarded by the bounds, arrivals at or below the floor included. */
  dropped = 0;
  private times = NO_TIMES;
  private rows = NO_U32;
  private head = 0;
  private tail = 0;
  private slab = NO_BYTES;
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
    const row = slot2 * ROW;
    this.rows[row + NUMBER] = stamp.number;
    this.rows[row + AUTHOR] = authorId;
    this.rows[row + START] = this.slabUsed;
    this.rows[row + LENGTH] = data.length;
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
    // When the bound took the arrival itself, it is not one of the entries held before.
    return index < 0
      ? this.delta(stamp, data, -1, dropped - 1)
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
    this.slab = NO_BYTES;
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
    const row = slot * ROW;
    const start = this.rows[row + START] as number;
    return {
      author: this.authorTable[this.rows[row + AUTHOR] as number] as NodeId,
      number: this.rows[row + NUMBER] as number,
      time: this.times[slot] as number,
      data: this.slab.subarray(start, start + (this.rows[row + LENGTH] as number)),
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
    const a = this.authorTable[this.rows[slot * ROW + AUTHOR] as number] as NodeId;
    if (a !== stamp.author) return a < stamp.author ? -1 : 1;
    return (this.rows[slot * ROW + NUMBER] as number) - stamp.number;
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
      // Compacts in place when at most half is live, else doubles; at most 2 × (maxEntries + 1)
      // rows (the bound is enforced after the insert), so compaction stays amortised O(1).
      const live = this.tail - this.head;
      const length = this.times.length;
      const capacity =
        live * 2 <= length && length > 0
          ? length
          : Math.min(Math.max(FIRST_ENTRIES, length * 2), 2 * (this.maxEntries + 1));
      const shift = this.head;
      const times = new Float64Array(capacity);
      times.set(this.times.subarray(this.head, this.tail));
      const rows = new Uint32Array(capacity * ROW);
      rows.set(this.rows.subarray(this.head * ROW, this.tail * ROW));
      this.times = times;
      this.rows = rows;
      this.head = 0;
      this.tail = live;
      slot -= shift;
    }
    if (slot < this.tail) {
      this.times.copyWithin(slot + 1, slot, this.tail);
      this.rows.copyWithin((slot + 1) * ROW, slot * ROW, this.tail * ROW);
    }
    this.tail++;
    this.rows[slot * ROW + LENGTH] = 0;
    if (this.slabUsed + bytes > this.slab.length) this.regrowSlab(bytes);
    return slot;
  }

  /**
   * A new slab (old views stay valid), twice what it must hold, at most about 2 × `maxBytes`;
   * compacted when most of the old one is dropped data or it would outgrow that.
   */
  private regrowSlab(extra: number): void {
    const cap = 2 * this.maxBytes;
    const compact = this.liveBytes * 2 < this.slabUsed || this.slabUsed + extra > cap;
    const need = (compact ? this.liveBytes : this.slabUsed) + extra;
    let size = Math.max(FIRST_SLAB, this.slab.length);
    while (size < need * 2) size *= 2;
    const next = new Uint8Array(Math.max(need, Math.min(size, cap)));
    if (compact) {
      let at = 0;
      for (let i = this.head; i < this.tail; i++) {
        const start = this.rows[i * ROW + START] as number;
        const len = this.rows[i * ROW + LENGTH] as number;
        if (len > 0) next.set(this.slab.subarray(start, start + len), at);
        this.rows[i * ROW + START] = at;
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
      author: this.authorTable[this.rows[slot * ROW + AUTHOR] as number] as NodeId,
      number: this.rows[slot * ROW + NUMBER] as number,
    };
    this.liveBytes -= this.rows[slot * ROW + LENGTH] as number;
    this.head++;
  }
}
