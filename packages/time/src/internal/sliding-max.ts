/**
 * The maximum of the last `capacity` values pushed (a monotonic deque in two typed rings), in
 * amortised O(1) per push and bounded memory. Old maxima leave with their window, so a
 * statistic built on it recovers when conditions improve.
 */
export class SlidingMax {
  private readonly index: Float64Array;
  private readonly value: Float64Array;
  private head = 0;
  private size = 0;
  private pushed = 0;

  constructor(readonly capacity: number) {
    this.index = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
  }

  push(v: number): void {
    const cap = this.capacity;
    const n = this.pushed++;
    const index = this.index;
    const value = this.value;
    while (this.size > 0 && (index[this.head] as number) <= n - cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    // Typed-array rings with explicit wrap-around: `%` on doubles costs more than the rest.
    let back = this.head + this.size - 1;
    if (back >= cap) back -= cap;
    while (this.size > 0 && (value[back] as number) <= v) {
      this.size--;
      back = back === 0 ? cap - 1 : back - 1;
    }
    let slot = back + 1;
    if (slot >= cap) slot -= cap;
    index[slot] = n;
    value[slot] = v;
    this.size++;
  }

  /** The maximum over the window, 0 when empty. */
  get max(): number {
    return this.size === 0 ? 0 : (this.value[this.head] as number);
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.pushed = 0;
  }
}
