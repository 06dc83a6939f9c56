/**
 * An array that drops from its front in O(1) (a head offset, compacted when most of the
 * backing array is dropped), for lists kept in a bounded log's order: the oldest go first,
 * arrivals are mostly appended at the end.
 */
export class FrontDropList<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** The element at `i` (0 = front). */
  at(i: number): T {
    return this.items[this.head + i] as T;
  }

  set(i: number, value: T): void {
    this.items[this.head + i] = value;
  }

  /** Inserts at `i` (a push when `i` is the length). */
  insert(i: number, value: T): void {
    const at = this.head + i;
    if (at === this.items.length) this.items.push(value);
    else this.items.splice(at, 0, value);
  }

  /** Removes the element at `i`. */
  removeAt(i: number): void {
    if (i === 0) this.dropFront(1);
    else this.items.splice(this.head + i, 1);
  }

  /** Drops the `k` front elements. */
  dropFront(k: number): void {
    const end = Math.min(this.items.length, this.head + k);
    for (let j = this.head; j < end; j++) this.items[j] = undefined; // let them go
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The first index whose element is not before `probe` (`compare(element, probe) >= 0`). */
  lowerBound<P>(probe: P, compare: (element: T, probe: P) => number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.items[mid] as T, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  /** A copy, front first. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
