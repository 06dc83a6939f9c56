import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@elara/test-env';
import { OutOfRangeError } from '@elara/core';
import { MAX_HKDF_LENGTH } from '../src/index.ts';
import { ascending, bothProviders, utf8 } from './providers.ts';

// RFC 5869 Appendix A, test cases 1–3 (SHA-256; public RFC data). PRK = HMAC(salt, IKM), so
// the PRK values test HMAC-SHA256 too.
const VECTORS = [
  {
    name: 'case 1',
    ikm: new Uint8Array(22).fill(0x0b),
    salt: ascending(0x00, 13),
    info: ascending(0xf0, 10),
    length: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'case 2 (inputs longer than a block)',
    ikm: ascending(0x00, 80),
    salt: ascending(0x60, 80),
    info: ascending(0xb0, 80),
    length: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'case 3 (empty salt and info)',
    ikm: new Uint8Array(22).fill(0x0b),
    salt: new Uint8Array(0),
    info: new Uint8Array(0),
    length: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

describe.each(bothProviders())('RFC 5869 HKDF-SHA256 on the $name provider', (crypto) => {
  it.each(VECTORS)('$name: OKM', (v) => {
    expect(toHex(crypto.hkdfSha256(v.ikm, v.salt, v.info, v.length))).toBe(v.okm);
  });

  it.each(VECTORS)('$name: PRK = HMAC-SHA256(salt, IKM)', (v) => {
    expect(toHex(crypto.hmacSha256(v.salt, v.ikm))).toBe(v.prk);
  });

  it.each(VECTORS)('$name: shorter outputs are prefixes', (v) => {
    for (const length of [1, 31, 32, 33]) {
      expect(toHex(crypto.hkdfSha256(v.ikm, v.salt, v.info, length))).toBe(
        v.okm.slice(0, 2 * length),
      );
    }
  });

  it('"no salt" equals 32 zero bytes (RFC 5869 §2.2)', () => {
    const ikm = ascending(1, 32);
    const info = utf8('info');
    expect(toHex(crypto.hkdfSha256(ikm, new Uint8Array(0), info, 32))).toBe(
      toHex(crypto.hkdfSha256(ikm, new Uint8Array(32), info, 32)),
    );
  });

  it('refuses output lengths outside 1..8160 with OutOfRangeError', () => {
    const ikm = ascending(1, 32);
    const empty = new Uint8Array(0);
    for (const length of [0, -1, 1.5, MAX_HKDF_LENGTH + 1, Number.NaN]) {
      expect(() => crypto.hkdfSha256(ikm, empty, empty, length)).toThrow(OutOfRangeError);
    }
    expect(crypto.hkdfSha256(ikm, empty, empty, MAX_HKDF_LENGTH)).toHaveLength(MAX_HKDF_LENGTH);
  });

  it('SHA-256 of "abc" and of the empty string (FIPS 180-4 examples)', () => {
    expect(toHex(crypto.sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(toHex(crypto.sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('HKDF at the largest length', () => {
  it('both providers agree on all 8160 bytes', () => {
    const [a, b] = bothProviders();
    const ikm = fromHex('0b'.repeat(22));
    const salt = ascending(0, 13);
    const info = ascending(0xf0, 10);
    expect(toHex(a!.hkdfSha256(ikm, salt, info, MAX_HKDF_LENGTH))).toBe(
      toHex(b!.hkdfSha256(ikm, salt, info, MAX_HKDF_LENGTH)),
    );
  });
});
