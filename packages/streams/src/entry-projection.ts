import type { NodeId } from '@elara/core';
import type { EphemeralEntry, EphemeralEntries } from '@elara/state';

/** What a reader returns for a valid entry that shows nothing (a "not typing" indicator). */
export const NOT_SHOWN: unique symbol = Symbol('not shown');

/**
 * Reads one entry: its value, {@link NOT_SHOWN} for a valid entry that shows nothing, or
 * undefined for an entry that is not valid (not decodable, naming another user than its
 * author), which is counted.
 */
export type EntryReader<T> = (entry: EphemeralEntry) => T | typeof NOT_SHOWN | undefined;

function ascending(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The projection of an ephemeral atom (presence, typing): one value per author's live entry,
 * by author. It follows the atom one author at a time: a change decodes that author's entry
 * only (and nothing when the entry object is the one it already read), and the sorted frozen
 * list is built only when read. So it is exactly what the field holds (expiry is the field's
 * `expire(now)`, never a timer here), at O(log n) per change plus a copy per list read.
 */
export class EntryProjection<T> {
  /** The entry each author's value was read from, and what it read. */
  private readonly read = new Map<NodeId, EphemeralEntry>();
  /** The authors whose value is shown, ascending, and their values. */
  private authors: NodeId[] = [];
  private shown: T[] = [];
  private list: readonly T[] | undefined = undefined;
  private readonly invalid = new Set<NodeId>();

  constructor(private readonly reader: EntryReader<T>) {}

  /** The values now, by author (frozen; the same array until a value changes). */
  get values(): readonly T[] {
    this.list ??= Object.freeze([...this.shown]);
    return this.list;
  }

  /** Live entries that are not valid. */
  get invalidEntries(): number {
    return this.invalid.size;
  }

  /**
   * Follows `author`'s entry now (undefined: none, deleted or expired). Returns true when
   * the values shown changed.
   */
  update(author: NodeId, entry: EphemeralEntry | undefined): boolean {
    if (this.read.get(author) === entry) return false;
    if (entry === undefined) this.read.delete(author);
    else this.read.set(author, entry);
    const value = entry === undefined ? NOT_SHOWN : this.reader(entry);
    if (value === undefined) this.invalid.add(author);
    else this.invalid.delete(author);
    return this.show(author, value === undefined ? NOT_SHOWN : value);
  }

  /** Reads the whole atom again (undefined: the field does not hold it). */
  refresh(state: EphemeralEntries | undefined): void {
    this.read.clear();
    this.invalid.clear();
    this.authors = [];
    this.shown = [];
    this.list = undefined;
    for (const e of state?.entries() ?? []) this.update(e.author, e);
  }

  /** Shows `value` for `author` (or nothing); true when the list changed. */
  private show(author: NodeId, value: T | typeof NOT_SHOWN): boolean {
    let lo = 0;
    let hi = this.authors.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ascending(this.authors[mid] as NodeId, author) < 0) lo = mid + 1;
      else hi = mid;
    }
    const present = this.authors[lo] === author;
    if (value === NOT_SHOWN) {
      if (!present) return false;
      this.authors.splice(lo, 1);
      this.shown.splice(lo, 1);
    } else if (present) {
      this.shown[lo] = value;
    } else {
      this.authors.splice(lo, 0, author);
      this.shown.splice(lo, 0, value);
    }
    this.list = undefined;
    return true;
  }
}
