import { OutOfRangeError } from '../elara-error.ts';
import type { RandomSource } from '../random-source.ts';

/**
 * A small, fast, seeded pseudo-random generator (sfc32, seeded through splitmix32). Not for
 * secrets: it makes simulations and property tests replay exactly from one seed.
 *
 * @example
 * const rng = new Prng(42);
 * rng.next();            // [0, 1)
 * rng.exponential(5000); // mean 5000
 * const keys = rng.fork('keys'); // an independent stream
 */
export class Prng implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * `seed` is a 32-bit integer: 0..2^32 − 1, or a negative i32 (−2^31..−1), which means the
   * same stream as its unsigned bit pattern (property tests draw seeds with `fc.integer()`).
   * Anything else (fractions, NaN, ±Infinity, ≥ 2^32) throws {@link OutOfRangeError}: `>>> 0`
   * would silently map 1.9 to 1 and 2^32 to 0, so two "different" seeds would replay one run.
   */
  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < -0x8000_0000 || seed > 0xffff_ffff)
      throw new OutOfRangeError(`Prng seed ${seed} is not a 32-bit integer`);
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67_108_864 + lo) / 9_007_199_254_740_992;
  }

  /**
   * A uniform integer in [min, max] (inclusive). Both must be safe integers with `min ≤ max`,
   * else {@link OutOfRangeError} (an empty range has no value to return).
   */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max)
      throw new OutOfRangeError(`Prng.int: [${min}, ${max}] is not a non-empty integer range`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** A standard normal value (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A deterministic, independent generator derived from this seed and a label. */
  fork(label: string): Prng {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }

  /** {@link RandomSource}: fills `target` with pseudo-random bytes. */
  fill(target: Uint8Array): Uint8Array {
    for (let i = 0; i < target.byteLength; i += 4) {
      let v = this.nextU32();
      for (let j = i; j < Math.min(i + 4, target.byteLength); j++) {
        target[j] = v & 0xff;
        v >>>= 8;
      }
    }
    return target;
  }
}
