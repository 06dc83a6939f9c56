/**
 * The drift of one peer's offset (skew), from the lower envelopes of both one-way legs over a long
 * history kept in bounded form: time is cut into buckets and each keeps only its smallest `a` and
 * smallest `b` with their times. Queueing only ever adds delay, so a bucket's minimum sits at the
 * path's floor plus the least jitter of its many exchanges; both floors move with the offset, `a`
 * up and `b` down by the same slope, which one least-squares line through both sets of minima
 * (two intercepts, one shared slope) recovers. The fit runs once per closed bucket.
 *
 * The least of k exponential draws has a spread proportional to 1/k, so each bucket is weighted
 * by k²: a bucket with few exchanges (the first after a reset, a burst of loss) barely counts,
 * where plain least squares would let one such point at the edge of the history tilt the line.
 */
export class SkewFit {
  private readonly ta: Float64Array;
  private readonly va: Float64Array;
  private readonly tb: Float64Array;
  private readonly vb: Float64Array;
  private readonly k: Float64Array;
  private head = 0;
  private count = 0;
  private bucket = Number.NEGATIVE_INFINITY;
  /** Slope of the offset, µs per µs (0 until fitted). */
  rate = 0;
  /** Standard error of {@link rate} (infinite until fitted). */
  stdErr = Number.POSITIVE_INFINITY;
  /** Time covered by the fitted minima, µs. */
  span = 0;

  constructor(
    readonly capacity: number,
    private readonly bucketUs: number,
  ) {
    this.ta = new Float64Array(capacity);
    this.va = new Float64Array(capacity);
    this.tb = new Float64Array(capacity);
    this.vb = new Float64Array(capacity);
    this.k = new Float64Array(capacity);
  }

  /** Buckets held, the open one included. */
  get size(): number {
    return this.count;
  }

  /** Adds one exchange at local time `t`. */
  add(t: number, a: number, b: number): void {
    const cap = this.capacity;
    const index = Math.floor(t / this.bucketUs);
    // Exchanges complete out of order (a slow reply lands after a quicker later one): only a later
    // bucket opens a new one, so an old straggler joins the open bucket instead of reopening one.
    if (index > this.bucket) {
      this.bucket = index;
      if (this.count > 0) this.fit();
      if (this.count === cap) {
        this.head = this.head + 1 === cap ? 0 : this.head + 1;
        this.count--;
      }
      let k = this.head + this.count;
      if (k >= cap) k -= cap;
      this.ta[k] = t;
      this.va[k] = a;
      this.tb[k] = t;
      this.vb[k] = b;
      this.k[k] = 1;
      this.count++;
      return;
    }
    let k = this.head + this.count - 1;
    if (k >= cap) k -= cap;
    this.k[k] = (this.k[k] as number) + 1;
    if (a < (this.va[k] as number)) {
      this.va[k] = a;
      this.ta[k] = t;
    }
    if (b < (this.vb[k] as number)) {
      this.vb[k] = b;
      this.tb[k] = t;
    }
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.bucket = Number.NEGATIVE_INFINITY;
    this.rate = 0;
    this.stdErr = Number.POSITIVE_INFINITY;
    this.span = 0;
  }

  /** Weighted least squares over the closed buckets: a = α + ρt, b = β − ρt. */
  private fit(): void {
    const n = this.count; // the bucket just closed is the newest; the open one is not yet added
    if (n < 3) return;
    const cap = this.capacity;
    // Times relative to the first bucket keep the sums small and exact enough in doubles.
    const origin = this.ta[this.head] as number;
    let sw = 0;
    let sta = 0;
    let stb = 0;
    let sa = 0;
    let sb = 0;
    let k = this.head;
    for (let i = 0; i < n; i++) {
      const w = (this.k[k] as number) ** 2;
      sw += w;
      sta += w * ((this.ta[k] as number) - origin);
      stb += w * ((this.tb[k] as number) - origin);
      sa += w * (this.va[k] as number);
      sb += w * (this.vb[k] as number);
      k = k + 1 === cap ? 0 : k + 1;
    }
    const mta = sta / sw;
    const mtb = stb / sw;
    const ma = sa / sw;
    const mb = sb / sw;
    let num = 0;
    let den = 0;
    k = this.head;
    for (let i = 0; i < n; i++) {
      const w = (this.k[k] as number) ** 2;
      const da = (this.ta[k] as number) - origin - mta;
      const db = (this.tb[k] as number) - origin - mtb;
      num += w * (da * ((this.va[k] as number) - ma) - db * ((this.vb[k] as number) - mb));
      den += w * (da * da + db * db);
      k = k + 1 === cap ? 0 : k + 1;
    }
    if (!(den > 0)) return;
    const rate = num / den;
    let rss = 0;
    k = this.head;
    for (let i = 0; i < n; i++) {
      const w = (this.k[k] as number) ** 2;
      const ra = (this.va[k] as number) - ma - rate * ((this.ta[k] as number) - origin - mta);
      const rb = (this.vb[k] as number) - mb + rate * ((this.tb[k] as number) - origin - mtb);
      rss += w * (ra * ra + rb * rb);
      k = k + 1 === cap ? 0 : k + 1;
    }
    this.rate = rate;
    // Two intercepts and one slope from 2n minima.
    this.stdErr = Math.sqrt(rss / (2 * n - 3) / den);
    let last = this.head + n - 1;
    if (last >= cap) last -= cap;
    this.span = (this.ta[last] as number) - origin;
  }
}
