import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  FIXED_HEADER_SIZE,
  InvalidWireFormatError,
  OutOfRangeError,
  PacketClass,
  RepresentationProfile,
  UnknownEnumValueError,
  WireVersion,
  decodeHeader,
  decodeHeaderV1,
  encodeHeader,
  fixedHeader,
  nodeId,
  sessionId,
  type FixedHeader,
} from '../../src/index.ts';
import {
  type VectorHeader,
  arbHeader,
  expectNamed,
  fuzzInput,
  headerFromVector,
  valueOrWireError,
} from './helpers.ts';

interface HeaderVectors {
  encode_cases: { name: string; fields: VectorHeader; bytes: string; parsed: VectorHeader }[];
  parse_cases: {
    name: string;
    bytes: string;
    ok: boolean;
    parsed?: VectorHeader;
    error?: string;
  }[];
}

function encoded(h: FixedHeader): Uint8Array {
  const out = new Uint8Array(FIXED_HEADER_SIZE);
  encodeHeader(h, out);
  return out;
}

describeVectors<HeaderVectors>('headers.json', (v) => {
  it('encodes every reference case byte for byte and parses it back', () => {
    expect(v.encode_cases.length).toBeGreaterThan(20);
    for (const c of v.encode_cases) {
      expect(toHex(encoded(headerFromVector(c.fields))), c.name).toBe(c.bytes);
      expect(decodeHeader(fromHex(c.bytes)), c.name).toEqual(headerFromVector(c.parsed));
    }
  });

  it('parses (or rejects) like the reference', () => {
    const errors: Record<string, { isInstance(e: unknown): boolean }> = {
      BufferTooShort: BufferTooShortError,
      InvalidWireFormat: UnknownEnumValueError, // "Unknown crypto suite"
      UnknownPacketClass: UnknownEnumValueError,
    };
    for (const c of v.parse_cases) {
      const bytes = fromHex(c.bytes);
      if (c.ok) {
        expect(decodeHeader(bytes), c.name).toEqual(headerFromVector(c.parsed as VectorHeader));
      } else {
        const variant = (c.error as string).split(/[ ({]/)[0] as string;
        expectNamed(
          () => decodeHeader(bytes),
          errors[variant] as { isInstance(e: unknown): boolean },
        );
      }
    }
  });

  it('v1 rejects the version nibble the reference leaves unchecked (parse_cases › version15_suite2_ok)', () => {
    const c = v.parse_cases.find((x) => x.name === 'version15_suite2_ok');
    expect(c?.ok).toBe(true);
    expectNamed(() => decodeHeaderV1(fromHex(c?.bytes ?? '')), UnknownEnumValueError);
  });
});

describe('fixed header', () => {
  it('defaults to the reference FixedHeader::new(1, 2)', () => {
    expect(toHex(encoded(fixedHeader(sessionId(1), nodeId(2))))).toBe(
      '00001e00' + '0100000000000000' + '0200000000000000' + '00' + '00' + '00000000' + '00000000',
    );
  });

  it('writes at an offset inside a larger buffer and leaves the rest alone', () => {
    const buf = new Uint8Array(40).fill(0xee);
    const h = fixedHeader(sessionId(7), nodeId(9), { seq: 0x1234, window: 0x40 });
    expect(encodeHeader(h, buf.subarray(3), 2)).toBe(32);
    expect(toHex(buf.subarray(0, 5))).toBe('eeeeeeeeee');
    expect(toHex(buf.subarray(35))).toBe('eeeeeeeeee');
    expect(decodeHeader(buf.subarray(3), 2)).toEqual(h);
    expect(decodeHeader(buf, 5)).toEqual(h);
  });

  it('refuses out-of-range fields instead of truncating them', () => {
    const base = fixedHeader(sessionId(1), nodeId(2));
    const bad: Partial<Record<keyof FixedHeader, unknown>>[] = [
      { version: 16 },
      { version: -1 },
      { suite: 3 },
      { flags: 256 },
      { headerLen: 65536 },
      { packetClass: 5 },
      { profile: 256 },
      { timeHint: 2 ** 31 },
      { timeHint: 1.5 },
      { seq: 65536 },
      { window: -1 },
      { sessionId: 2n ** 64n },
      { nodeId: -1n },
    ];
    for (const b of bad) {
      expectNamed(
        () => encodeHeader({ ...base, ...b } as FixedHeader, new Uint8Array(30)),
        OutOfRangeError,
      );
    }
    expectNamed(() => encodeHeader(base, new Uint8Array(29)), BufferTooShortError);
    // Only RepresentationProfile values: profile 5 would decode as Custom, a byte the
    // reference never writes for it.
    const known = new Set<number>(Object.values(RepresentationProfile));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -300, max: 600 }), fc.double()).filter((p) => !known.has(p)),
        (profile) => {
          const h = { ...base, profile } as FixedHeader;
          expectNamed(() => encodeHeader(h, new Uint8Array(30)), OutOfRangeError);
        },
      ),
      { numRuns: propertyRuns(300, 3000) },
    );
    expectNamed(() => encodeHeader(base, new Uint8Array(40), 11), BufferTooShortError);
  });

  it('v1 header checks: version 1, suite 0, headerLen ≥ 30', () => {
    const ok = fixedHeader(sessionId(1), nodeId(2), { version: WireVersion.V1 });
    expect(encoded(ok)[0]).toBe(0x10);
    expect(decodeHeaderV1(encoded(ok))).toEqual(ok);
    expectNamed(() => decodeHeaderV1(encoded({ ...ok, version: 0 })), UnknownEnumValueError);
    expectNamed(() => decodeHeaderV1(encoded({ ...ok, suite: 1 })), UnknownEnumValueError);
    expectNamed(() => decodeHeaderV1(encoded({ ...ok, headerLen: 29 })), InvalidWireFormatError);
  });

  it('round-trips every valid header', () => {
    fc.assert(
      fc.property(arbHeader, (h) => {
        expect(decodeHeader(encoded(h))).toEqual(h);
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('reads the same fields from a fresh array and from the buffer it just wrote into', () => {
    // Decoders read through the cached DataView when the caller reuses its buffer and through
    // byte arithmetic otherwise; both must agree with a plain DataView read, at any offset.
    fc.assert(
      fc.property(
        arbHeader,
        fc.nat(8),
        fc.uint8Array({ minLength: 30, maxLength: 30 }),
        (h, at, noise) => {
          const buf = new Uint8Array(at + 60);
          buf.set(noise, at);
          encodeHeader(h, buf, at + 30); // leaves the DataView cache on `buf`
          const reused = valueOrWireError(() => decodeHeader(buf, at));
          const fresh = valueOrWireError(() => decodeHeader(buf.slice(), at));
          expect(fresh).toEqual(reused);
          if (reused !== undefined) {
            const v = new DataView(buf.buffer, at);
            expect(reused.sessionId).toBe(v.getBigUint64(4, true));
            expect(reused.nodeId).toBe(v.getBigUint64(12, true));
            expect(reused.timeHint).toBe(v.getInt32(22, true));
            expect([reused.headerLen, reused.window, reused.seq]).toEqual([
              v.getUint16(2, true),
              v.getUint16(26, true),
              v.getUint16(28, true),
            ]);
          }
          expect(decodeHeader(buf, at + 30)).toEqual(decodeHeader(buf.slice(at + 30), 0));
        },
      ),
      { numRuns: propertyRuns(300, 1500) },
    );
  });

  it('maps unknown profile bytes to Custom and keeps everything else', () => {
    fc.assert(
      fc.property(arbHeader, fc.integer({ min: 0, max: 255 }), (h, profileByte) => {
        const bytes = encoded(h);
        bytes[21] = profileByte;
        const known = (Object.values(RepresentationProfile) as number[]).includes(profileByte);
        const d = decodeHeader(bytes);
        expect(d.profile).toBe(known ? profileByte : RepresentationProfile.Custom);
        expect(d.packetClass).toBe(h.packetClass);
      }),
      { numRuns: propertyRuns(500, 5000) },
    );
  });

  it('random and mutated bytes give a header or a named error', () => {
    const valid = arbHeader.map(encoded);
    fc.assert(
      fc.property(fuzzInput(valid, 40), fc.nat(40), (bytes, offset) => {
        const h = valueOrWireError(() => decodeHeader(bytes, offset % (bytes.length + 1)));
        if (h !== undefined) expect(h.packetClass).toBeLessThanOrEqual(PacketClass.Repair);
        valueOrWireError(() => decodeHeaderV1(bytes));
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
