/**
 * Randomness as an injected dependency: keys, nonce inputs and transaction ids take it as a
 * parameter, so a seeded source replays a simulation exactly.
 */
export interface RandomSource {
  /** Fills `target` with random bytes and returns it. */
  fill(target: Uint8Array): Uint8Array;
}

/** Returns `n` fresh random bytes from `source`. */
export function randomBytes(source: RandomSource, n: number): Uint8Array {
  return source.fill(new Uint8Array(n));
}

/** A uniformly random u64 from `source`. */
export function randomU64(source: RandomSource): bigint {
  const b = randomBytes(source, 8);
  return new DataView(b.buffer).getBigUint64(0, true);
}

/** The platform's cryptographically secure generator (Web Crypto `getRandomValues`). */
export function secureRandomSource(): RandomSource {
  return {
    fill(target) {
      for (let i = 0; i < target.byteLength; i += 65_536) {
        globalThis.crypto.getRandomValues(
          target.subarray(i, Math.min(target.byteLength, i + 65_536)),
        );
      }
      return target;
    },
  };
}
