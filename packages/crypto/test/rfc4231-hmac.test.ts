import { createHmac, hash as nodeHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import type { CryptoProvider } from '../src/index.ts';
import {
  type OneShotHash,
  hmacSha512ScratchCopies,
  nativeHmacSha512Over,
} from '../src/native/native-hmac-sha512.ts';
import { ascending, bothProviders, utf8 } from './providers.ts';

// RFC 4231 §4.2–4.8, HMAC-SHA-256 and HMAC-SHA-512 (public RFC data): keys shorter and longer
// than a block, short and long data. A channel's epoch-0 keys are HMAC-SHA256, every step of
// its key chains one HMAC-SHA512 split in two.
const VECTORS = [
  {
    name: 'case 1',
    key: new Uint8Array(20).fill(0x0b),
    data: utf8('Hi There'),
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha512:
      '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  },
  {
    name: 'case 2 (a key shorter than the output)',
    key: utf8('Jefe'),
    data: utf8('what do ya want for nothing?'),
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha512:
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  },
  {
    name: 'case 3',
    key: new Uint8Array(20).fill(0xaa),
    data: new Uint8Array(50).fill(0xdd),
    sha256: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    sha512:
      'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb',
  },
  {
    name: 'case 4',
    key: ascending(0x01, 25),
    data: new Uint8Array(50).fill(0xcd),
    sha256: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    sha512:
      'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd',
  },
  {
    name: 'case 5 (truncated to 128 bits)',
    key: new Uint8Array(20).fill(0x0c),
    data: utf8('Test With Truncation'),
    sha256: 'a3b6167473100ee06e0c796c2955552b',
    sha512: '415fad6271580a531d4179bc891d87a6',
  },
  {
    name: 'case 6 (a key longer than a block)',
    key: new Uint8Array(131).fill(0xaa),
    data: utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    sha512:
      '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  },
  {
    name: 'case 7 (key and data longer than a block)',
    key: new Uint8Array(131).fill(0xaa),
    data: utf8(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    sha256: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    sha512:
      'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58',
  },
];

const HASHES = [
  {
    hash: 'sha256',
    of: (crypto: CryptoProvider, key: Uint8Array, data: Uint8Array) => crypto.hmacSha256(key, data),
    length: 32,
    block: 64,
  },
  {
    hash: 'sha512',
    of: (crypto: CryptoProvider, key: Uint8Array, data: Uint8Array) => crypto.hmacSha512(key, data),
    length: 64,
    block: 128,
  },
] as const;

describe.each(
  bothProviders().flatMap((crypto) => HASHES.map((h) => ({ ...h, crypto, name: crypto.name }))),
)('RFC 4231 HMAC-$hash on the $name provider', ({ hash, of, length, block, crypto }) => {
  it.each(VECTORS)('$name', (v) => {
    const expected = v[hash];
    const mac = of(crypto, v.key, v.data);
    expect(mac).toHaveLength(length);
    expect(toHex(mac).slice(0, expected.length)).toBe(expected);
  });

  it('matches createHmac for any key and data length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2 * block + 8 }),
        fc.uint8Array({ maxLength: 400 }),
        (key, data) => {
          const expected = toHex(createHmac(hash, key).update(data).digest());
          expect(toHex(of(crypto, key, data))).toBe(expected);
        },
      ),
      { numRuns: propertyRuns(300, 3000) },
    );
  });

  it('at the block boundaries: keys one short of, at and one past a block; padding edges', () => {
    // The last block holds the length (8 bytes for SHA-256, 16 for SHA-512) after the 0x80.
    const tail = hash === 'sha256' ? 9 : 17;
    for (const k of [block - 1, block, block + 1]) {
      for (const d of [0, block - tail, block - tail + 1, block, 2 * block - tail, 2 * block]) {
        const key = ascending(k, k);
        const data = ascending(d, d);
        expect(toHex(of(crypto, key, data)), `${k}/${d}`).toBe(
          toHex(createHmac(hash, key).update(data).digest()),
        );
      }
    }
  });

  it('returns an array of its own each time, so zeroing it touches nothing else', () => {
    const key = ascending(1, 32);
    const first = of(crypto, key, Uint8Array.of(1));
    const again = of(crypto, key, Uint8Array.of(1));
    expect(again).not.toBe(first);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(length);
    first.fill(0);
    expect(toHex(again)).toBe(toHex(createHmac(hash, key).update(Uint8Array.of(1)).digest()));
    expect(toHex(key)).toBe(toHex(ascending(1, 32)));
  });
});

describe('the native HMAC-SHA512 scratch', () => {
  it('holds only the pads and zeros after each call: no key, data or inner digest stays', () => {
    const [native] = bothProviders();
    const clean = () => {
      const [inner, outer] = hmacSha512ScratchCopies();
      expect(inner.subarray(0, 128).every((x) => x === 0x36)).toBe(true);
      expect(inner.subarray(128).every((x) => x === 0)).toBe(true);
      expect(outer.subarray(0, 128).every((x) => x === 0x5c)).toBe(true);
      expect(outer.subarray(128).every((x) => x === 0)).toBe(true);
    };
    clean();
    for (const [k, d] of [
      [32, 1],
      [128, 64],
      [1, 0],
      [129, 1], // longer than a block: createHmac
      [32, 65], // longer data: createHmac
    ] as const) {
      const key = ascending(0x80 + k, k);
      const data = ascending(0x40 + d, d);
      expect(toHex(native!.hmacSha512(key, data))).toBe(
        toHex(createHmac('sha512', key).update(data).digest()),
      );
      clean();
    }
  });
});

describe('the native HMAC-SHA512 with and without one-shot hash() (Node 20.12+ and below)', () => {
  // Each call of the one-shot function is counted, so a test shows which branch ran.
  let oneShotCalls = 0;
  const counted: OneShotHash = (algorithm, data, encoding) => {
    oneShotCalls++;
    return nodeHash(algorithm, data, encoding);
  };
  const branches = [
    { name: 'one-shot hash()', hmac: nativeHmacSha512Over(counted), callsForShort: 2 },
    { name: 'createHmac only', hmac: nativeHmacSha512Over(undefined), callsForShort: 0 },
  ];

  it.each(branches)('$name: RFC 4231 HMAC-SHA512', ({ hmac }) => {
    for (const v of VECTORS) {
      expect(toHex(hmac(v.key, v.data)).slice(0, v.sha512.length), v.name).toBe(v.sha512);
    }
  });

  it.each(branches)(
    '$name: createHmac results for any key and data length, through the expected branch',
    ({ hmac, callsForShort }) => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 2 * 128 + 8 }),
          fc.uint8Array({ maxLength: 200 }),
          (key, data) => {
            const before = oneShotCalls;
            const mac = hmac(key, data);
            expect(toHex(mac)).toBe(toHex(createHmac('sha512', key).update(data).digest()));
            const short = key.length <= 128 && data.length <= 64;
            expect(oneShotCalls - before).toBe(short ? callsForShort : 0);
            expect(mac.byteOffset).toBe(0);
            expect(mac.buffer.byteLength).toBe(64);
          },
        ),
        { numRuns: propertyRuns(300, 3000) },
      );
    },
  );
});
