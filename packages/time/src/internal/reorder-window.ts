/**
 * The reorder displacements of the last `capacity` arrivals (integers in `[0, capacity)`), with
 * two statistics over them: the exact maximum, and a high percentile that one straggler cannot
 * move. Three `Uint16Array` rings (6 bytes per slot): the values, a histogram of them, and a
 * monotonic deque of ring slots for the maximum, so a push costs amortised O(1) and the memory is
 * fixed at construction.
 *
 * Why both: the exact maximum is what the loss window must leave out (numbers that far back may
 * still be on their way) and what the trace test compares; horizons and pressure take the
 * percentile, since one packet 300 positions late would otherwise read as a reorder depth of 300
 * for a whole window.
 */
export class ReorderWindow {
  private readonly values: Uint16Array;
  private readonly counts: Uint16Array;
  private readonly deque: Uint16Array;
  private pos = 0;
  private filled = 0;
  private head = 0;
  private queued = 0;
  private displaced = 0;

  /**
   * @param capacity arrivals kept (at most 65 536, so slots and counts fit 16 bits)
   * @param share the fraction of arrivals allowed above {@link percentile} (0.01: its 99th)
   */
  constructor(
    readonly capacity: number,
    private readonly share: number,
  ) {
    this.values = new Uint16Array(capacity);
    this.counts = new Uint16Array(capacity);
    this.deque = new Uint16Array(capacity);
  }

  /** Records one displacement (clamped into `[0, capacity)`). */
  push(displacement: number): void {
    const cap = this.capacity;
    const v = displacement < cap ? displacement : cap - 1;
    const values = this.values;
    const deque = this.deque;
    const slot = this.pos;
    if (this.filled === cap) {
      // The oldest value leaves: from the histogram, and from the deque if it heads it (the
      // deque's head is always its oldest slot).
      const old = values[slot] as number;
      this.counts[old] = (this.counts[old] as number) - 1;
      if (old > 0) this.displaced--;
      if (this.queued > 0 && deque[this.head] === slot) {
        this.head = this.head + 1 === cap ? 0 : this.head + 1;
        this.queued--;
      }
    } else {
      this.filled++;
    }
    values[slot] = v;
    this.counts[v] = (this.counts[v] as number) + 1;
    if (v > 0) this.displaced++;
    let back = this.head + this.queued - 1;
    if (back >= cap) back -= cap;
    while (this.queued > 0 && (values[deque[back] as number] as number) <= v) {
      this.queued--;
      back = back === 0 ? cap - 1 : back - 1;
    }
    let tail = back + 1;
    if (tail >= cap) tail -= cap;
    deque[tail] = slot;
    this.queued++;
    this.pos = slot + 1 === cap ? 0 : slot + 1;
  }

  /** The largest displacement in the window, 0 when empty. */
  get max(): number {
    return this.queued === 0 ? 0 : (this.values[this.deque[this.head] as number] as number);
  }

  /**
   * The smallest displacement `d` with at most `⌊share · n⌋` of the window's `n` arrivals above
   * it (with `share` 0.01 and 1 024 arrivals: the 11th largest). Equal to {@link max} while the
   * window holds fewer than `1 / share` arrivals. O(1) on a path without reordering; otherwise a
   * walk down the histogram from the maximum, done when read (horizons read it at most every
   * refresh), not per packet.
   */
  get percentile(): number {
    const allowed = Math.floor(this.filled * this.share);
    if (this.displaced <= allowed) return 0;
    const counts = this.counts;
    let above = 0;
    for (let d = this.max; d > 0; d--) {
      above += counts[d] as number;
      if (above > allowed) return d;
    }
    return 0;
  }

  /** Arrivals in the window. */
  get size(): number {
    return this.filled;
  }

  reset(): void {
    this.counts.fill(0);
    this.pos = 0;
    this.filled = 0;
    this.head = 0;
    this.queued = 0;
    this.displaced = 0;
  }
}
