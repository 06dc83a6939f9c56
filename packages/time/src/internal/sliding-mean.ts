/**
 * The mean of the last `capacity` values pushed, in O(1) per push and bounded memory. The running
 * sum is recomputed from the ring once per `capacity` pushes, so floating-point error cannot
 * accumulate over a long session.
 */
export class SlidingMean {
  private readonly ring: Float64Array;
  private pos = 0;
  private filled = 0;
  private sum = 0;
  private sinceResum = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity);
  }

  push(value: number): void {
    const ring = this.ring;
    if (this.filled === this.capacity) this.sum -= ring[this.pos] as number;
    else this.filled++;
    ring[this.pos] = value;
    this.sum += value;
    this.pos = this.pos + 1 === this.capacity ? 0 : this.pos + 1;
    if (++this.sinceResum >= this.capacity) {
      this.sinceResum = 0;
      let s = 0;
      for (let i = 0; i < this.filled; i++) s += ring[i] as number;
      this.sum = s;
    }
  }

  /** The mean of the values in the window, 0 when empty. */
  get mean(): number {
    return this.filled === 0 ? 0 : this.sum / this.filled;
  }

  /** How many values the window holds. */
  get size(): number {
    return this.filled;
  }

  reset(): void {
    this.pos = 0;
    this.filled = 0;
    this.sum = 0;
    this.sinceResum = 0;
  }
}
