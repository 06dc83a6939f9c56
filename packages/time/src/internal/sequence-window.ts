/**
 * Which extended sequence numbers of the last `capacity` (the range `(highest − capacity,
 * highest]`) have arrived: a bitmap ring plus a count of the set bits, so loss over the window
 * costs nothing per packet beyond setting one bit.
 */
export class SequenceWindow {
  private readonly bits: Uint32Array;
  /** Highest extended sequence number seen, or −1 before the first packet. */
  highest = -1;
  /** Lowest extended sequence number received since the last reset. */
  lowest = -1;
  private set = 0;

  constructor(readonly capacity: number) {
    this.bits = new Uint32Array(Math.ceil(capacity / 32));
  }

  /**
   * Records an arrival. Returns 1 for a first arrival inside the window, 0 for a duplicate, −1
   * for a sequence number older than the window (it cannot be checked any more).
   */
  mark(ext: number): number {
    const cap = this.capacity;
    if (this.highest < 0) {
      this.highest = ext;
      this.lowest = ext;
      this.setBit(ext);
      this.set = 1;
      return 1;
    }
    if (ext > this.highest) {
      if (ext - this.highest >= cap) {
        this.bits.fill(0);
        this.set = 0;
      } else {
        // Each sequence number entering the window at the top pushes one out at the bottom.
        const bits = this.bits;
        for (let s = this.highest + 1; s <= ext; s++) {
          const i = s % cap;
          const word = bits[i >>> 5] as number;
          const mask = 1 << (i & 31);
          if ((word & mask) !== 0) {
            bits[i >>> 5] = word & ~mask;
            this.set--;
          }
        }
      }
      this.highest = ext;
      this.setBit(ext);
      this.set++;
      return 1;
    }
    if (ext <= this.highest - cap) return -1;
    if (this.getBit(ext)) return 0;
    this.setBit(ext);
    this.set++;
    if (ext < this.lowest) this.lowest = ext;
    return 1;
  }

  /** First extended sequence number the window counts (never before the lowest received). */
  get first(): number {
    return Math.max(this.highest - this.capacity + 1, this.lowest);
  }

  /**
   * Fraction of the sequence numbers in `[first, highest − guard]` that have not arrived. The
   * newest `guard` numbers are left out because packets overtaken by reordering may still be
   * on their way; 0 when that range is empty.
   */
  lossRate(guard: number): number {
    if (this.highest < 0) return 0;
    const last = this.highest - guard;
    const expected = last - this.first + 1;
    if (expected <= 0) return 0;
    // The window holds `set` arrivals; those among the newest `guard` numbers are not counted.
    const received = this.set - this.countSet(last + 1, this.highest);
    return 1 - received / expected;
  }

  reset(): void {
    this.bits.fill(0);
    this.set = 0;
    this.highest = -1;
    this.lowest = -1;
  }

  /**
   * Arrivals among the extended sequence numbers `[from, to]` (a range of at most `capacity`
   * numbers), counted a word at a time: lossRate runs on every path at every tick, and its guard
   * (the reorder depth) spans hundreds of numbers.
   */
  private countSet(from: number, to: number): number {
    if (from > to) return 0;
    const a = this.slot(from);
    const b = this.slot(to);
    return a <= b
      ? this.countSlots(a, b)
      : this.countSlots(a, this.capacity - 1) + this.countSlots(0, b);
  }

  /** Set bits in slots `[a, b]`, a ≤ b. */
  private countSlots(a: number, b: number): number {
    let n = 0;
    for (let i = a; i <= b;) {
      const word = i >>> 5;
      const end = Math.min(b, (word << 5) | 31);
      const width = end - i + 1;
      const mask = width === 32 ? -1 : ((1 << width) - 1) << (i & 31);
      n += popcount32((this.bits[word] as number) & mask);
      i = end + 1;
    }
    return n;
  }

  private slot(ext: number): number {
    return ext % this.capacity;
  }

  private getBit(ext: number): boolean {
    const i = this.slot(ext);
    return ((this.bits[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  private setBit(ext: number): void {
    const i = this.slot(ext);
    this.bits[i >>> 5] = (this.bits[i >>> 5] as number) | (1 << (i & 31));
  }
}

/** Number of set bits in a 32-bit integer (SWAR). */
function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
