import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { NonCanonicalKeyError, SmallOrderKeyError, type CryptoProvider } from '../src/index.ts';
import {
  D,
  P,
  add,
  inv,
  isIdentity,
  le32,
  mod,
  montgomeryU,
  pointsWithY,
  sqrt,
  type Point,
} from './curve-math.ts';
import { bothProviders } from './providers.ts';

// The torsion subgroup of edwards25519: its y values are 1, −1, 0 and the two values whose
// points have order 8, computed here from the curve equation rather than copied from a list.
function orderDivides8(p: Point): boolean {
  let q = p;
  for (let i = 0; i < 3; i++) q = add(q, q);
  return isIdentity(q);
}

function order8Ys(): bigint[] {
  // An order-8 point doubles to an order-4 point, whose y is 0. Doubling gives
  // y' = (y² + x²) / (1 − d·x²·y²), so x² = −y²; put into −x² + y² = 1 + d·x²·y²:
  // d·y⁴ + 2y² − 1 = 0, a quadratic in y².
  const disc = sqrt(mod(4n + 4n * D));
  if (disc === undefined) throw new Error('4 + 4d is not a square');
  const ys: bigint[] = [];
  for (const root of [mod(-2n + disc), mod(-2n - disc)]) {
    const y = sqrt(mod(root * inv(2n * D)));
    if (y !== undefined) ys.push(y, P - y);
  }
  return ys;
}

const torsionYs = [1n, P - 1n, 0n, ...order8Ys()];
const torsion = torsionYs.flatMap(pointsWithY);

describe('small-order constants, derived from the curve equation', () => {
  it('the torsion subgroup has 8 points, all of order dividing 8', () => {
    expect(torsion).toHaveLength(8);
    expect(new Set(torsion.map((p) => `${p.x},${p.y}`)).size).toBe(8);
    for (const p of torsion) expect(orderDivides8(p)).toBe(true);
  });

  it('raw tweetnacl gives the all-zero X25519 secret for every small-order u (why the check exists)', () => {
    const us = smallOrderUs();
    const k = new Uint8Array(32).fill(0x5a);
    for (const u of us) expect(nacl.scalarMult(k, le32(u)).every((b) => b === 0)).toBe(true);
  });
});

/** u values of small order on curve25519 and its twist: the torsion points' u, and −1. */
function smallOrderUs(): bigint[] {
  const us = new Set<bigint>([0n, P - 1n]);
  for (const y of torsionYs) if (y !== 1n) us.add(montgomeryU(y));
  return [...us];
}

function encodePoint(p: Point, negativeZero = false): Uint8Array {
  const bytes = le32(p.y);
  if ((p.x & 1n) === 1n || negativeZero) bytes[31] = (bytes[31] as number) | 0x80;
  return bytes;
}

describe.each(bothProviders())(
  'public-key checks on the $name provider',
  (crypto: CryptoProvider) => {
    it('refuses every small-order Ed25519 key, including the sign-bit variants', () => {
      for (const p of torsion) {
        expect(() => crypto.ed25519VerifyingKey(encodePoint(p))).toThrow(SmallOrderKeyError);
        if (p.x === 0n) {
          expect(() => crypto.ed25519VerifyingKey(encodePoint(p, true))).toThrow(
            SmallOrderKeyError,
          );
        }
      }
    });

    it('refuses unreduced Ed25519 y values (p ≤ y < 2^255), whatever the sign bit', () => {
      for (const y of [P, P + 1n, P + 2n, P + 18n]) {
        for (const sign of [0, 0x80]) {
          const key = le32(y);
          key[31] = (key[31] as number) | sign;
          expect(() => crypto.ed25519VerifyingKey(key)).toThrow(NonCanonicalKeyError);
        }
      }
    });

    it('accepts y = p − 2 and other reduced values that are points', () => {
      let accepted = 0;
      for (let y = P - 2n; y > P - 40n; y--) {
        if (pointsWithY(y).length === 0) continue;
        expect(() => crypto.ed25519VerifyingKey(le32(y))).not.toThrow();
        accepted++;
      }
      expect(accepted).toBeGreaterThan(0);
    });

    it('refuses every small-order X25519 u, its unreduced alias and its bit-255 variant', () => {
      for (const u of smallOrderUs()) {
        const variants = [le32(u)];
        if (u + P < 2n ** 255n) variants.push(le32(u + P));
        for (const v of [...variants]) {
          const high = v.slice();
          high[31] = (high[31] as number) | 0x80;
          variants.push(high);
        }
        for (const v of variants) {
          expect(() => crypto.x25519PublicKey(v)).toThrow(SmallOrderKeyError);
          const key = crypto.x25519PrivateKey(new Uint8Array(32).fill(7));
          expect(() => key.agree(v)).toThrow(SmallOrderKeyError);
        }
      }
    });

    it('accepts unreduced X25519 u values that are not small-order aliases (RFC 7748 §5)', () => {
      for (const u of [P + 2n, P + 18n, 2n ** 255n - 1n]) {
        expect(() => crypto.x25519PublicKey(le32(u))).not.toThrow();
      }
    });
  },
);
