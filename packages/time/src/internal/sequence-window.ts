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
    let received = this.set;
    for (let s = last + 1; s <= this.highest; s++) if (this.getBit(s)) received--;
    return 1 - received / expected;
  }

  reset(): void {
    this.bits.fill(0);
    this.set = 0;
    this.highest = -1;
    this.lowest = -1;
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
