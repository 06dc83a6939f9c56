/**
 * The recent exchanges with one peer, as their two one-way legs: `a = t2 − t1` (our request's
 * transit plus the peer's offset) and `b = t4 − t3` (the reply's transit minus that offset), each
 * at the exchange's local midpoint time. A ring of typed arrays bounded by count and by age.
 *
 * The offset lies in `[−b, a]` for every exchange, whatever the delays; the lower envelopes of
 * `a` and of `b` over the window therefore pin it from both sides, and each envelope is as noisy
 * as the smallest queueing delay one direction saw — the minimum of n jitter draws — instead of
 * the round trip's.
 */
export class SampleWindow {
  private readonly t: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private head = 0;
  private count = 0;
  /** The lower envelope of `a`, deskewed to the time of the last {@link envelope} call. */
  minA = 0;
  /** The lower envelope of `b`, likewise. */
  minB = 0;
  /** The least round trip `a + b` of one exchange (drift moves `a` and `b` oppositely, not it). */
  minDelay = 0;

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Local time of the oldest exchange kept (NaN when empty). */
  get oldest(): number {
    return this.count === 0 ? Number.NaN : (this.t[this.head] as number);
  }

  /** Appends one exchange; the oldest leaves when the ring is full. */
  push(t: number, a: number, b: number): void {
    const cap = this.capacity;
    if (this.count === cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.count--;
    }
    let k = this.head + this.count;
    if (k >= cap) k -= cap;
    this.t[k] = t;
    this.a[k] = a;
    this.b[k] = b;
    this.count++;
  }

  /** Forgets exchanges made before `t`. */
  dropBefore(t: number): void {
    const cap = this.capacity;
    while (this.count > 0 && (this.t[this.head] as number) < t) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.count--;
    }
  }

  /**
   * Computes {@link minA}, {@link minB} and {@link minDelay} as seen at local time `now`, each
   * exchange moved along a drift of `rate` (µs per µs) so that old exchanges count at today's
   * offset. Returns the number of exchanges used.
   */
  envelope(now: number, rate: number): number {
    const cap = this.capacity;
    let minA = Number.POSITIVE_INFINITY;
    let minB = Number.POSITIVE_INFINITY;
    let minDelay = Number.POSITIVE_INFINITY;
    let k = this.head;
    for (let i = 0; i < this.count; i++) {
      const shift = rate * (now - (this.t[k] as number));
      const a = (this.a[k] as number) + shift;
      const b = (this.b[k] as number) - shift;
      if (a < minA) minA = a;
      if (b < minB) minB = b;
      if (a + b < minDelay) minDelay = a + b;
      k = k + 1 === cap ? 0 : k + 1;
    }
    this.minA = minA;
    this.minB = minB;
    this.minDelay = minDelay;
    return this.count;
  }

  /**
   * How far the exchanges disagree beyond what their round trips allow, as of the last
   * {@link envelope}: `minDelay − (minA + minB)`, never negative. It is the largest
   * `(θi − θj) − (δi + δj) / 2 + minDelay` over pairs of exchanges (θ the offset, δ the round trip
   * of each), so it stays below the queueing excess of the quickest round trip for a peer whose
   * offset holds still, whereas answers that wander by ±A push it to about 2A on any path.
   */
  get spread(): number {
    return this.minDelay - (this.minA + this.minB);
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
