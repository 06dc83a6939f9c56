import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { ascending, bothProviders, utf8 } from './providers.ts';

// RFC 4231 §4.2–4.8, HMAC-SHA-256 (public RFC data): keys shorter and longer than a block,
// short and long data. The channel key chain is nothing but HMAC-SHA256 steps.
const VECTORS = [
  {
    name: 'case 1',
    key: new Uint8Array(20).fill(0x0b),
    data: utf8('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    name: 'case 2 (a key shorter than the output)',
    key: utf8('Jefe'),
    data: utf8('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    name: 'case 3',
    key: new Uint8Array(20).fill(0xaa),
    data: new Uint8Array(50).fill(0xdd),
    mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  },
  {
    name: 'case 4',
    key: ascending(0x01, 25),
    data: new Uint8Array(50).fill(0xcd),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    name: 'case 5 (truncated to 128 bits)',
    key: new Uint8Array(20).fill(0x0c),
    data: utf8('Test With Truncation'),
    mac: 'a3b6167473100ee06e0c796c2955552b',
  },
  {
    name: 'case 6 (a key longer than a block)',
    key: new Uint8Array(131).fill(0xaa),
    data: utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'case 7 (key and data longer than a block)',
    key: new Uint8Array(131).fill(0xaa),
    data: utf8(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

describe.each(bothProviders())('RFC 4231 HMAC-SHA256 on the $name provider', (crypto) => {
  it.each(VECTORS)('$name', (v) => {
    const mac = toHex(crypto.hmacSha256(v.key, v.data));
    expect(mac.slice(0, v.mac.length)).toBe(v.mac);
  });

  it('matches createHmac for any key and data length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 400 }),
        (key, data) => {
          const expected = toHex(createHmac('sha256', key).update(data).digest());
          expect(toHex(crypto.hmacSha256(key, data))).toBe(expected);
        },
      ),
      { numRuns: propertyRuns(300, 3000) },
    );
  });

  it('at the block boundaries: 63-, 64- and 65-byte keys, data filling 0, 1 or 2 blocks', () => {
    for (const k of [63, 64, 65]) {
      for (const d of [0, 55, 56, 64, 119, 120]) {
        const key = ascending(k, k);
        const data = ascending(d, d);
        expect(toHex(crypto.hmacSha256(key, data)), `${k}/${d}`).toBe(
          toHex(createHmac('sha256', key).update(data).digest()),
        );
      }
    }
  });
});
