import { Prng } from '@elara/core/sim';
import { type CryptoProvider, nativeCryptoProvider, portableCryptoProvider } from '../src/index.ts';

/** Both providers, each with its own seeded random source, so every run is the same. */
export function bothProviders(seed = 1): readonly CryptoProvider[] {
  return [
    nativeCryptoProvider({ random: new Prng(seed) }),
    portableCryptoProvider({ random: new Prng(seed) }),
  ];
}

/** The two providers as a pair, for tests where one acts and the other checks. */
export function providerPair(seed = 1): { native: CryptoProvider; portable: CryptoProvider } {
  const [native, portable] = bothProviders(seed) as [CryptoProvider, CryptoProvider];
  return { native, portable };
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `n` bytes counting up from `start` (the RFC 5869 vectors' inputs). */
export function ascending(start: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}
