import { BufferTooShortError, ElaraError, endpoint } from '@elara/core';
import { propertyRuns, toHex } from '@elara/test-env';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeChannelData,
  decodeStunAddress,
  decodeStunErrorCode,
  decodeStunMessage,
  encodeChannelData,
  encodeStunAddress,
  encodeStunErrorCode,
  encodeStunMessage,
  longTermKey,
  StunAttr,
  StunFormatError,
  stunMessageType,
  verifyFingerprint,
  verifyIntegrity,
  type StunClass,
} from '../src/index.ts';

const classes: StunClass[] = ['request', 'indication', 'success', 'error'];
const attribute = fc.record({
  type: fc
    .integer({ min: 0x0001, max: 0x7fff })
    .filter((t) => t !== StunAttr.MessageIntegrity && t !== StunAttr.MessageIntegritySha256),
  value: fc.uint8Array({ maxLength: 64 }),
});
const message = fc.record({
  method: fc.integer({ min: 0, max: 0xfff }),
  class: fc.constantFrom(...classes),
  transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  attributes: fc.array(attribute, { maxLength: 8 }),
  key: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), { nil: undefined }),
  fingerprint: fc.boolean(),
});

function named(e: unknown): boolean {
  return ElaraError.isInstance(e);
}

describe('STUN message codec (RFC 8489)', () => {
  it('RFC 5769 §2.1-style check: a known request with integrity and fingerprint', () => {
    // Message type of each method/class, as RFC 8489 §5 interleaves the bits.
    expect(stunMessageType(0x001, 'request')).toBe(0x0001);
    expect(stunMessageType(0x001, 'success')).toBe(0x0101);
    expect(stunMessageType(0x001, 'error')).toBe(0x0111);
    expect(stunMessageType(0x007, 'indication')).toBe(0x0017);
    expect(stunMessageType(0x009, 'success')).toBe(0x0109);
  });

  it('round-trips every method, class and attribute list; integrity and fingerprint verify', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeStunMessage({
          method: m.method,
          class: m.class,
          transactionId: m.transactionId,
          attributes: m.attributes,
          ...(m.key === undefined ? {} : { integrityKey: m.key }),
          fingerprint: m.fingerprint,
        });
        const d = decodeStunMessage(bytes);
        expect([d.method, d.class, toHex(d.transactionId)]).toEqual([
          m.method,
          m.class,
          toHex(m.transactionId),
        ]);
        const plain = d.attributes.filter(
          (a) => a.type !== StunAttr.MessageIntegrity && a.type !== StunAttr.Fingerprint,
        );
        expect(plain.map((a) => [a.type, toHex(a.value)])).toEqual(
          m.attributes.map((a) => [a.type, toHex(a.value)]),
        );
        expect(verifyFingerprint(d)).toBe(m.fingerprint);
        if (m.key !== undefined) {
          expect(verifyIntegrity(d, m.key)).toBe(true);
          const wrong = m.key.map((b) => b ^ 1);
          expect(verifyIntegrity(d, wrong)).toBe(false);
        } else {
          expect(d.integrityAt).toBe(-1);
        }
      }),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('any single flipped bit of a fingerprinted message is caught', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 7 }), (m, at, bit) => {
        const bytes = encodeStunMessage({ ...m, fingerprint: true });
        const i = at % bytes.byteLength;
        bytes[i] = (bytes[i] as number) ^ (1 << bit);
        let caught: boolean;
        try {
          const d = decodeStunMessage(bytes);
          caught = !verifyFingerprint(d);
        } catch (e) {
          expect(named(e)).toBe(true);
          caught = true;
        }
        expect(caught).toBe(true);
      }),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });

  it('garbage and truncated messages: named errors only, never a read past the end', () => {
    const valid = encodeStunMessage({
      method: 1,
      class: 'success',
      transactionId: new Uint8Array(12),
      attributes: [{ type: StunAttr.XorMappedAddress, value: new Uint8Array(8) }],
      fingerprint: true,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.nat({ max: valid.byteLength }).map((n) => valid.subarray(0, n)),
          fc
            .tuple(fc.nat({ max: valid.byteLength - 1 }), fc.integer({ min: 0, max: 255 }))
            .map(([i, v]) => {
              const b = valid.slice();
              b[i] = v;
              return b;
            }),
        ),
        (bytes) => {
          try {
            decodeStunMessage(bytes);
          } catch (e) {
            expect(named(e)).toBe(true);
          }
        },
      ),
      { numRuns: propertyRuns(1_000, 20_000) },
    );
  });

  it('structural rules: cookie, length, attribute bounds, FINGERPRINT last', () => {
    const base = encodeStunMessage({
      method: 1,
      class: 'request',
      transactionId: new Uint8Array(12),
    });
    expect(() => decodeStunMessage(base.subarray(0, 19))).toThrow(BufferTooShortError);
    const noCookie = base.slice();
    noCookie[4] = 0;
    expect(() => decodeStunMessage(noCookie)).toThrow(StunFormatError);
    const topBits = base.slice();
    topBits[0] = 0x40;
    expect(() => decodeStunMessage(topBits)).toThrow(StunFormatError);
    const withAttr = encodeStunMessage({
      method: 1,
      class: 'request',
      transactionId: new Uint8Array(12),
      attributes: [{ type: 0x8022, value: new Uint8Array(5) }],
    });
    const overrun = withAttr.slice();
    overrun[23] = 9; // value length 9 runs past the 8 bytes present
    expect(() => decodeStunMessage(overrun)).toThrow(StunFormatError);
    const fpThenAttr = new Uint8Array([
      ...encodeStunMessage({
        method: 1,
        class: 'request',
        transactionId: new Uint8Array(12),
        fingerprint: true,
      }),
      0x80,
      0x22,
      0,
      0,
    ]);
    fpThenAttr[3] = 12;
    expect(() => decodeStunMessage(fpThenAttr)).toThrow(/follows FINGERPRINT/);
  });

  it('attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are ignored', () => {
    const key = longTermKey('u', 'r', 'p');
    const signed = encodeStunMessage({
      method: 3,
      class: 'success',
      transactionId: new Uint8Array(12),
      integrityKey: key,
    });
    // Append a SOFTWARE attribute after the integrity: it must not be seen.
    const extended = new Uint8Array([...signed, 0x80, 0x22, 0, 4, 1, 2, 3, 4]);
    extended[3] = (extended.byteLength - 20) & 0xff;
    const d = decodeStunMessage(extended);
    expect(d.attributes.map((a) => a.type)).toEqual([StunAttr.MessageIntegrity]);
    expect(verifyIntegrity(d, key)).toBe(true);
  });

  it('never writes into the datagram it reads (Node Buffers are views)', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeStunMessage({
          ...m,
          fingerprint: true,
          attributes: [
            ...m.attributes,
            {
              type: StunAttr.XorMappedAddress,
              value: encodeStunAddress(endpoint('::1', 5), m.transactionId),
            },
          ],
        });
        const buffer = Buffer.from(bytes);
        const d = decodeStunMessage(buffer);
        verifyFingerprint(d);
        if (m.key !== undefined) verifyIntegrity(d, m.key);
        // The address we appended is the last one: the random attributes may hold malformed
        // addresses of the same type (a named error, not what this property is about).
        const ours = d.attributes.filter((a) => a.type === StunAttr.XorMappedAddress).at(-1);
        expect(ours).toBeDefined();
        if (ours !== undefined) decodeStunAddress(ours.value, d.transactionId);
        expect(toHex(buffer)).toBe(toHex(bytes));
      }),
      { numRuns: propertyRuns(100, 1_000) },
    );
  });
});

describe('STUN attributes', () => {
  it('XOR addresses round-trip, IPv4 and IPv6, and print as the OS does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 4, maxLength: 4 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
        ),
        fc.integer({ min: 0, max: 65_535 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.boolean(),
        (raw, port, id, xor) => {
          const value = new Uint8Array(4 + raw.byteLength);
          value[1] = raw.byteLength === 4 ? 1 : 2;
          value[2] = port >> 8;
          value[3] = port & 0xff;
          value.set(raw, 4);
          const e = decodeStunAddress(value, xor ? id : undefined);
          expect(toHex(encodeStunAddress(e, xor ? id : undefined))).toBe(toHex(value));
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
    const plain = (address: string): string =>
      decodeStunAddress(encodeStunAddress(endpoint(address, 1))).address;
    expect(plain('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(plain('::1')).toBe('::1');
    expect(plain('::')).toBe('::');
    expect(plain('1:0:1:1:1:1:1:1')).toBe('1:0:1:1:1:1:1:1');
    expect(plain('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(plain('fe80::1:2')).toBe('fe80::1:2');
    expect(() => encodeStunAddress(endpoint('1.2.3', 1))).toThrow(StunFormatError);
    expect(() => encodeStunAddress(endpoint('1::2::3', 1))).toThrow(StunFormatError);
    expect(() => decodeStunAddress(Uint8Array.of(0, 3, 0, 1, 1, 2, 3, 4))).toThrow(StunFormatError);
    expect(() => decodeStunAddress(Uint8Array.of(0, 2, 0, 1, 1, 2, 3, 4))).toThrow(StunFormatError);
  });

  it('ERROR-CODE round-trips and refuses impossible codes', () => {
    for (const code of [300, 401, 438, 486, 699])
      expect(decodeStunErrorCode(encodeStunErrorCode(code, 'why'))).toEqual({
        code,
        reason: 'why',
      });
    expect(() => decodeStunErrorCode(Uint8Array.of(0, 0, 2, 0))).toThrow(StunFormatError);
    expect(() => decodeStunErrorCode(Uint8Array.of(0, 0, 4, 100))).toThrow(StunFormatError);
    expect(() => decodeStunErrorCode(Uint8Array.of(0, 0))).toThrow(StunFormatError);
  });

  it('ChannelData round-trips; wrong channels and overlong lengths are named errors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x4000, max: 0x4fff }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.nat(3),
        (ch, data, pad) => {
          const bytes = new Uint8Array([...encodeChannelData(ch, data), ...new Uint8Array(pad)]);
          const d = decodeChannelData(bytes);
          expect(d.channel).toBe(ch);
          expect(toHex(d.data)).toBe(toHex(data));
        },
      ),
      { numRuns: propertyRuns(200, 2_000) },
    );
    expect(() => decodeChannelData(Uint8Array.of(0x40, 0, 0, 5, 1))).toThrow(BufferTooShortError);
    expect(() => decodeChannelData(Uint8Array.of(0x50, 0, 0, 0))).toThrow(StunFormatError);
    expect(() => encodeChannelData(0x3fff, new Uint8Array(1))).toThrow(StunFormatError);
  });

  it('the long-term key is MD5(username:realm:password) (RFC 8489 §9.2.2)', () => {
    // md5("user:realm:pass"), computed independently.
    expect(toHex(longTermKey('user', 'realm', 'pass'))).toBe('8493fbc53ba582fb4c044c456bdc40eb');
  });
});
