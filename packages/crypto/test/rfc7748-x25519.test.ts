import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@elara/test-env';
import { bothProviders } from './providers.ts';

// RFC 7748 §5.2 and §6.1 (public RFC data). The iterated vector stops at 1 000 iterations: the
// 1 000 000 one takes many minutes on tweetnacl.
const SCALAR_MULT = [
  {
    scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    out: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  },
  {
    // Bit 255 of u is set: RFC 7748 says to ignore it.
    scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    out: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  },
];
const AFTER_1 = '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079';
const AFTER_1000 = '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51';
const ALICE = {
  secret: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  public: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
};
const BOB = {
  secret: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  public: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
};
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

describe.each(bothProviders())('RFC 7748 X25519 on the $name provider', (crypto) => {
  it.each(SCALAR_MULT)('§5.2 scalar multiplication $out', (v) => {
    const key = crypto.x25519PrivateKey(fromHex(v.scalar));
    expect(toHex(key.agree(fromHex(v.u)))).toBe(v.out);
    expect(toHex(key.agree(crypto.x25519PublicKey(fromHex(v.u))))).toBe(v.out);
  });

  it('§5.2 iterated: after 1 and 1 000 iterations', () => {
    let k: Uint8Array = new Uint8Array(32);
    k[0] = 9;
    let u: Uint8Array = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const key = crypto.x25519PrivateKey(k);
      const next = key.agree(u);
      key.dispose();
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe(AFTER_1);
    }
    expect(toHex(k)).toBe(AFTER_1000);
  });

  it('§6.1 Diffie-Hellman: public keys and the shared secret', () => {
    const alice = crypto.x25519PrivateKey(fromHex(ALICE.secret));
    const bob = crypto.x25519PrivateKey(fromHex(BOB.secret));
    expect(toHex(alice.publicKey)).toBe(ALICE.public);
    expect(toHex(bob.publicKey)).toBe(BOB.public);
    expect(toHex(alice.agree(bob.publicKey))).toBe(SHARED);
    expect(toHex(bob.agree(crypto.x25519PublicKey(alice.publicKey)))).toBe(SHARED);
  });
});
