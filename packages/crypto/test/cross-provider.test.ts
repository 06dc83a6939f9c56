import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { ElaraError } from '@elara/core';
import { MAX_HKDF_LENGTH, type CryptoProvider } from '../src/index.ts';
import { L, P, le32 } from './curve-math.ts';
import { providerPair } from './providers.ts';

const { native, portable } = providerPair();

const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce12 = fc.uint8Array({ minLength: 12, maxLength: 12 });

/** What a call did: its bytes or boolean, or the name of the error it raised. */
function outcome(f: () => Uint8Array | boolean): string {
  try {
    const r = f();
    return typeof r === 'boolean' ? `ok:${r}` : `ok:${toHex(r)}`;
  } catch (e) {
    // Anything but a named error is a failure of the contract, whatever the other provider did.
    if (!ElaraError.isInstance(e)) throw e;
    return `error:${(e as ElaraError).code}`;
  }
}

function same(f: (crypto: CryptoProvider) => Uint8Array | boolean): void {
  expect(outcome(() => f(portable))).toBe(outcome(() => f(native)));
}

// Ed25519 on tweetnacl costs ~5 ms per signature and ~11 ms per verification: keep those
// property counts small in the normal run.
const FAST = propertyRuns(300, 3000);
const SLOW = propertyRuns(20, 400);

describe('the two providers give identical bytes', () => {
  it('SHA-256, HMAC-SHA256, HMAC-SHA512 and HKDF-SHA256', () => {
    fc.assert(
      fc.property(
        bytes(300),
        bytes(100),
        bytes(100),
        fc.integer({ min: 1, max: 200 }),
        (a, b, c, n) => {
          expect(toHex(portable.sha256(a))).toBe(toHex(native.sha256(a)));
          expect(toHex(portable.hmacSha256(b, a))).toBe(toHex(native.hmacSha256(b, a)));
          expect(toHex(portable.hmacSha512(b, a))).toBe(toHex(native.hmacSha512(b, a)));
          expect(toHex(portable.hkdfSha256(a, b, c, n))).toBe(toHex(native.hkdfSha256(a, b, c, n)));
        },
      ),
      { numRuns: FAST },
    );
  });

  it('HKDF at random lengths up to the maximum', () => {
    fc.assert(
      fc.property(key32, fc.integer({ min: 1, max: MAX_HKDF_LENGTH }), (ikm, n) => {
        const info = new Uint8Array([n & 0xff]);
        expect(toHex(portable.hkdfSha256(ikm, info, info, n))).toBe(
          toHex(native.hkdfSha256(ikm, info, info, n)),
        );
      }),
      { numRuns: propertyRuns(50, 500) },
    );
  });

  it('ChaCha20-Poly1305: same sealed bytes; one seals, the other opens', () => {
    fc.assert(
      fc.property(key32, nonce12, bytes(1500), bytes(64), (key, nonce, plaintext, aad) => {
        const a = native.aeadSeal(key, nonce, plaintext, aad);
        const b = portable.aeadSeal(key, nonce, plaintext, aad);
        expect(toHex(b)).toBe(toHex(a));
        expect(toHex(portable.aeadOpen(key, nonce, a, aad))).toBe(toHex(plaintext));
        expect(toHex(native.aeadOpen(key, nonce, b, aad))).toBe(toHex(plaintext));
      }),
      { numRuns: FAST },
    );
  });

  it('Ed25519: same public key and signature; each verifies the other', () => {
    fc.assert(
      fc.property(key32, bytes(200), (seed, message) => {
        const a = native.ed25519SigningKey(seed);
        const b = portable.ed25519SigningKey(seed);
        expect(toHex(b.publicKey)).toBe(toHex(a.publicKey));
        const signature = a.sign(message);
        expect(toHex(b.sign(message))).toBe(toHex(signature));
        expect(portable.ed25519VerifyingKey(a.publicKey).verify(message, signature)).toBe(true);
        expect(native.ed25519VerifyingKey(b.publicKey).verify(message, signature)).toBe(true);
      }),
      { numRuns: SLOW },
    );
  });

  it('X25519: same public keys and shared secret across providers', () => {
    fc.assert(
      fc.property(key32, key32, (sa, sb) => {
        const a = native.x25519PrivateKey(sa);
        const b = portable.x25519PrivateKey(sb);
        expect(toHex(portable.x25519PrivateKey(sa).publicKey)).toBe(toHex(a.publicKey));
        // A prepared key from the other provider is accepted too.
        const ab = a.agree(portable.x25519PublicKey(b.publicKey));
        expect(toHex(b.agree(native.x25519PublicKey(a.publicKey)))).toBe(toHex(ab));
      }),
      { numRuns: SLOW },
    );
  });
});

describe('the two providers reject the same inputs with the same named errors', () => {
  // Public keys near the edges: small-order values, unreduced values, bit 255 set, random.
  const edgy32 = fc.oneof(
    key32,
    fc.constantFrom(0n, 1n, P - 1n, P, P + 1n, P + 18n, 2n ** 255n - 1n).map(le32),
    key32.map((k) => {
      const v = k.slice();
      v[31] = (v[31] as number) | 0x80;
      return v;
    }),
  );
  const edgySignature = fc.oneof(
    fc.uint8Array({ minLength: 64, maxLength: 64 }),
    fc
      .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.bigInt({ min: 0n, max: 2n * L }))
      .map(([r, s]) => {
        const out = new Uint8Array(64);
        out.set(r);
        out.set(le32(s), 32);
        return out;
      }),
    fc.uint8Array({ maxLength: 70 }),
  );

  it('Ed25519 verification of arbitrary keys and signatures', () => {
    fc.assert(
      fc.property(edgy32, edgySignature, bytes(40), (publicKey, signature, message) => {
        same((c) => c.ed25519VerifyingKey(publicKey).verify(message, signature));
      }),
      { numRuns: propertyRuns(60, 600) },
    );
  });

  it('Ed25519 verification of a valid signature with random damage', () => {
    const seedArb = key32;
    fc.assert(
      fc.property(
        seedArb,
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 1, max: 255 }),
        (seed, at, xor) => {
          const key = native.ed25519SigningKey(seed);
          const message = seed.subarray(0, 7);
          const signature = key.sign(message);
          signature[at] = (signature[at] as number) ^ xor;
          same((c) => c.ed25519VerifyingKey(key.publicKey).verify(message, signature));
        },
      ),
      { numRuns: SLOW },
    );
  });

  it('X25519 agreement with arbitrary peer keys', () => {
    fc.assert(
      fc.property(key32, edgy32, (secret, peer) => {
        same((c) => c.x25519PrivateKey(secret).agree(peer));
      }),
      { numRuns: propertyRuns(40, 400) },
    );
  });

  it('AEAD with arbitrary lengths and damaged sealed messages', () => {
    fc.assert(
      fc.property(
        bytes(40),
        bytes(16),
        bytes(60),
        bytes(8),
        fc.nat(),
        (key, nonce, sealed, aad, flip) => {
          same((c) => c.aeadOpen(key, nonce, sealed, aad));
          const good = native.aeadSeal(new Uint8Array(32), new Uint8Array(12), sealed, aad);
          good[flip % good.length] = (good[flip % good.length] as number) ^ 1;
          same((c) => c.aeadOpen(new Uint8Array(32), new Uint8Array(12), good, aad));
        },
      ),
      { numRuns: FAST },
    );
  });
});
