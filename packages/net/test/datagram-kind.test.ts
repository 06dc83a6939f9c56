import { describeVectors, fromHex, propertyRuns } from '@elara/test-env';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDatagram, DatagramKind, STUN_MAGIC_COOKIE } from '../src/index.ts';

const runs = propertyRuns(2_000, 50_000);

/** A well-formed STUN message: first byte 0–3, length a multiple of 4 covering the attributes. */
const stunMessage = fc
  .record({
    type: fc.integer({ min: 0, max: 0x03ff }), // RFC 7983: STUN first bytes are 0–3
    words: fc.integer({ min: 0, max: 60 }),
    tid: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    fill: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ type, words, tid, fill }) => {
    const m = new Uint8Array(20 + words * 4).fill(fill);
    const v = new DataView(m.buffer);
    v.setUint16(0, type);
    v.setUint16(2, words * 4);
    v.setUint32(4, STUN_MAGIC_COOKIE);
    m.set(tid, 8);
    return m;
  });

function withFirstByte(min: number, max: number): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.integer({ min, max }), fc.uint8Array({ maxLength: 1500 }))
    .map(([b0, rest]) => Uint8Array.of(b0, ...rest));
}

function hasCookie(d: Uint8Array): boolean {
  return (
    d.byteLength >= 8 && new DataView(d.buffer, d.byteOffset).getUint32(4) === STUN_MAGIC_COOKIE
  );
}

describe('classifyDatagram (RFC 7983 with Elara frame ranges)', () => {
  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (d) => {
        expect(Object.values(DatagramKind)).toContain(classifyDatagram(d));
      }),
      { numRuns: runs },
    );
  });

  it('recognises well-formed STUN by cookie and length, whatever the type', () => {
    fc.assert(
      fc.property(stunMessage, (m) => {
        expect(classifyDatagram(m)).toBe(DatagramKind.Stun);
      }),
      { numRuns: runs },
    );
  });

  it('a STUN message cut short or padded is malformed, never a frame', () => {
    fc.assert(
      fc.property(stunMessage, fc.integer({ min: 1, max: 12 }), fc.boolean(), (m, k, cut) => {
        const d = cut
          ? m.subarray(0, Math.max(8, m.byteLength - k))
          : Uint8Array.of(...m, ...new Uint8Array(k));
        expect(classifyDatagram(d)).toBe(DatagramKind.Malformed);
      }),
      { numRuns: runs },
    );
  });

  it('a declared STUN length that is not a multiple of 4 is malformed', () => {
    fc.assert(
      fc.property(stunMessage, fc.integer({ min: 1, max: 3 }), (m, extra) => {
        const d = Uint8Array.of(...m, ...new Uint8Array(extra));
        new DataView(d.buffer).setUint16(2, d.byteLength - 20);
        expect(classifyDatagram(d)).toBe(DatagramKind.Malformed);
      }),
      { numRuns: runs },
    );
  });

  it('first byte 0x00–0x0F without the cookie is a v0 frame (STUN is checked first)', () => {
    fc.assert(
      fc.property(withFirstByte(0x00, 0x0f), (d) => {
        fc.pre(!hasCookie(d));
        expect(classifyDatagram(d)).toBe(DatagramKind.ElaraV0);
      }),
      { numRuns: runs },
    );
  });

  it('first byte 0x04–0x0F is a v0 frame even with the cookie (STUN types start 0b00)', () => {
    fc.assert(
      fc.property(withFirstByte(0x04, 0x0f), (d) => {
        if (d.byteLength >= 8) new DataView(d.buffer).setUint32(4, STUN_MAGIC_COOKIE);
        expect(classifyDatagram(d)).toBe(DatagramKind.ElaraV0);
      }),
      { numRuns: runs },
    );
  });

  it('first byte 0x10–0x1F is an Elara v1 frame', () => {
    fc.assert(
      fc.property(withFirstByte(0x10, 0x1f), (d) => {
        expect(classifyDatagram(d)).toBe(DatagramKind.ElaraV1);
      }),
      { numRuns: runs },
    );
  });

  it('first byte 0x40–0x7F is ChannelData when its declared length fits, else malformed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x4000, max: 0x7fff }),
        fc.uint8Array({ maxLength: 1400 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 100 }),
        (channel, data, padding, short) => {
          const d = new Uint8Array(4 + data.byteLength + padding);
          const v = new DataView(d.buffer);
          v.setUint16(0, channel);
          v.setUint16(2, data.byteLength);
          d.set(data, 4);
          expect(classifyDatagram(d)).toBe(DatagramKind.ChannelData);
          v.setUint16(2, data.byteLength + padding + short);
          expect(classifyDatagram(d)).toBe(DatagramKind.Malformed);
          expect(classifyDatagram(d.subarray(0, 3))).toBe(DatagramKind.Malformed);
        },
      ),
      { numRuns: runs },
    );
  });

  it('other first bytes (DTLS, RTP, ...) and the empty datagram are unknown', () => {
    fc.assert(
      fc.property(fc.oneof(withFirstByte(0x20, 0x3f), withFirstByte(0x80, 0xff)), (d) => {
        expect(classifyDatagram(d)).toBe(DatagramKind.Unknown);
      }),
      { numRuns: runs },
    );
    expect(classifyDatagram(new Uint8Array(0))).toBe(DatagramKind.Unknown);
  });

  it('classifies views at any offset of a larger buffer', () => {
    fc.assert(
      fc.property(stunMessage, fc.integer({ min: 1, max: 64 }), (m, offset) => {
        const big = new Uint8Array(offset + m.byteLength + 7).fill(0x10);
        big.set(m, offset);
        expect(classifyDatagram(big.subarray(offset, offset + m.byteLength))).toBe(
          DatagramKind.Stun,
        );
      }),
      { numRuns: runs },
    );
  });
});

interface StunVectors {
  binding_requests: { request: string }[];
  response_parse_cases: { name: string; response: string }[];
}

// What RFC 7983 (plus the cookie and length check) makes of each of the reference's crafted
// responses: STUN-shaped with a consistent length is STUN even when the reference rejects its
// content (wrong transaction id, error type, IPv6); a length that does not account for the bytes
// is malformed; no cookie with first byte 0x01 is a v0 frame by first byte.
const RESPONSE_KINDS: Record<string, DatagramKind> = {
  xor_mapped_ipv4: DatagramKind.Stun,
  mapped_ipv4: DatagramKind.Stun,
  mapped_first_then_xor_first_wins: DatagramKind.Stun,
  software_attr_padded_then_xor: DatagramKind.Stun,
  xor_then_fingerprint: DatagramKind.Stun,
  wrong_transaction_id: DatagramKind.Stun,
  error_response_type_0111: DatagramKind.Stun,
  wrong_magic_cookie: DatagramKind.ElaraV0,
  xor_mapped_ipv6_unsupported: DatagramKind.Stun,
  ipv6_xor_then_ipv4_mapped_still_none: DatagramKind.Stun,
  declared_length_exceeds_data: DatagramKind.Malformed,
  no_attributes: DatagramKind.Stun,
  short_19_bytes: DatagramKind.Malformed,
};

describeVectors<StunVectors>('stun.json', (v) => {
  it("the reference's Binding Requests are STUN", () => {
    expect(v.binding_requests.length).toBeGreaterThan(0);
    for (const r of v.binding_requests)
      expect(classifyDatagram(fromHex(r.request))).toBe(DatagramKind.Stun);
  });

  it("the reference's crafted responses classify by cookie and length", () => {
    for (const c of v.response_parse_cases) {
      expect(RESPONSE_KINDS, `an expectation for ${c.name}`).toHaveProperty(c.name);
      expect(classifyDatagram(fromHex(c.response)), c.name).toBe(RESPONSE_KINDS[c.name]);
    }
  });
});

describeVectors<{ frame_cases: { name: string; frame_bytes: string }[] }>('frames.json', (v) => {
  it("the reference's frames are v0 frames", () => {
    for (const c of v.frame_cases)
      expect(classifyDatagram(fromHex(c.frame_bytes)), c.name).toBe(DatagramKind.ElaraV0);
  });
});

describeVectors<{ encode_cases: { name: string; bytes: string }[] }>('headers.json', (v) => {
  it('headers classify by their version nibble (0: v0, 1: v1, else unknown)', () => {
    for (const c of v.encode_cases) {
      const bytes = fromHex(c.bytes);
      const version = (bytes[0] as number) >> 4;
      const expected =
        version === 0
          ? DatagramKind.ElaraV0
          : version === 1
            ? DatagramKind.ElaraV1
            : DatagramKind.Unknown;
      expect(classifyDatagram(bytes), c.name).toBe(expected);
    }
  });
});
