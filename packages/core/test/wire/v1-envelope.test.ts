import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  EVENT_SIGNING_LABEL,
  EventKind,
  EventType,
  InvalidWireFormatError,
  OutOfRangeError,
  StateTypePrefix,
  TooLargeError,
  UnknownEnumValueError,
  decodeEnvelope,
  encodeEnvelope,
  encodeEnvelopeInto,
  envelopeSize,
  eventSigningBytes,
  eventSigningBytesFromWire,
  nodeId,
  sessionId,
  signEnvelope,
  stateIdFromParts,
  unsignedEnvelopeSize,
  verifyEnvelope,
  verifyEnvelopeBytes,
  type DurableEnvelope,
  type EphemeralEnvelope,
  type EventSigner,
  type EventVerifier,
  type MutationOp,
  type NodeId,
  type SessionId,
} from '../../src/index.ts';
import {
  arbDurable,
  arbEnvelope,
  arbSessionId,
  asDecoded,
  expectNamed,
  fuzzInput,
  valueOrWireError,
} from './helpers.ts';

const durable: DurableEnvelope = {
  kind: EventKind.Durable,
  author: nodeId(0x0102030405060708n),
  seq: 7,
  time: 1_700_000_000_000_000,
  target: stateIdFromParts(StateTypePrefix.Text, 5),
  eventType: EventType.TextAppend,
  dependencies: [{ author: nodeId(0x0a), seq: 3 }],
  mutation: { type: 'append', data: Uint8Array.of(0x68, 0x69) },
  signature: new Uint8Array(64).fill(0xab),
};

const ephemeral: EphemeralEnvelope = {
  kind: EventKind.Ephemeral,
  author: nodeId(0x0102030405060708n),
  counter: 0,
  time: -5,
  target: stateIdFromParts(StateTypePrefix.Typing, 0x0708),
  eventType: EventType.TypingStart,
  mutation: { type: 'delete' },
};

describe('v1 event envelope', () => {
  it('has the documented byte layout (durable)', () => {
    expect(toHex(encodeEnvelope(durable))).toBe(
      '00' + // kind durable
        '0807060504030201' + // author
        '07000000' + // seq
        '00401e18240a0600' + // τs 1_700_000_000_000_000 µs, i64
        '0500000000000100' + // target StateId 0001:000000000005
        '80' + // TextAppend
        '01' + // one dependency
        '0a00000000000000' +
        '03000000' + // (author 0x0a, seq 3)
        '0302006869' + // append "hi"
        'ab'.repeat(64), // signature
    );
  });

  it('has the documented byte layout (ephemeral: no dependencies, no signature)', () => {
    expect(toHex(encodeEnvelope(ephemeral))).toBe(
      '01' +
        '0807060504030201' +
        '00000000' +
        'fbffffffffffffff' +
        '0807000000000300' +
        'a1' +
        '05',
    );
  });

  it('round-trips every valid envelope of both kinds', () => {
    fc.assert(
      fc.property(arbEnvelope, (e) => {
        const bytes = encodeEnvelope(e);
        expect(bytes.length).toBe(envelopeSize(e));
        expect(decodeEnvelope(bytes)).toEqual(asDecoded(e));
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('decodes the same from a fresh array and from the buffer it just wrote into', () => {
    fc.assert(
      fc.property(arbEnvelope, fc.nat(8), (e, at) => {
        const buf = new Uint8Array(at + envelopeSize(e));
        encodeEnvelopeInto(e, buf, at); // leaves the DataView cache on `buf`
        const viaCache = decodeEnvelope(at === 0 ? buf : buf.subarray(at));
        const fresh = decodeEnvelope(buf.slice(at));
        expect(fresh).toEqual(viaCache);
        expect(fresh).toEqual(asDecoded(e));
      }),
      { numRuns: propertyRuns(300, 1500) },
    );
  });

  it('decodes without copying: signature and mutation data are views', () => {
    const bytes = encodeEnvelope(durable);
    const d = decodeEnvelope(bytes) as DurableEnvelope;
    expect(d.signature.buffer).toBe(bytes.buffer);
    expect(d.mutation.type === 'append' && d.mutation.data.buffer).toBe(bytes.buffer);
  });

  it('refuses values that do not fit instead of truncating them', () => {
    const cases: [unknown, { isInstance(e: unknown): boolean }][] = [
      [{ ...durable, seq: 0 }, OutOfRangeError],
      [{ ...durable, seq: 2 ** 32 }, OutOfRangeError],
      [{ ...ephemeral, counter: -1 }, OutOfRangeError],
      [{ ...durable, time: 1.5 }, OutOfRangeError],
      [{ ...durable, time: 2 ** 53 }, OutOfRangeError],
      [{ ...durable, eventType: 0x7f }, OutOfRangeError],
      [{ ...durable, author: -1n }, OutOfRangeError],
      [{ ...durable, dependencies: [{ author: nodeId(1), seq: 0 }] }, OutOfRangeError],
      [{ ...durable, dependencies: Array(5).fill({ author: nodeId(1), seq: 1 }) }, TooLargeError],
      // The author's own earlier events are implied by seq, never listed.
      [{ ...durable, dependencies: [{ author: durable.author, seq: 6 }] }, OutOfRangeError],
      [
        {
          ...durable,
          dependencies: [
            { author: nodeId(1), seq: 2 },
            { author: nodeId(1), seq: 3 },
          ],
        },
        OutOfRangeError,
      ],
      [{ ...durable, signature: new Uint8Array(63) }, OutOfRangeError],
      [{ ...durable, kind: 2 }, OutOfRangeError],
      [{ ...durable, mutation: { type: 'set', data: new Uint8Array(65_500) } }, TooLargeError],
    ];
    for (const [e, cls] of cases) expectNamed(() => encodeEnvelope(e as DurableEnvelope), cls);
  });

  it('rejects malformed bytes with named errors', () => {
    const good = encodeEnvelope(durable);
    const patch = (at: number, ...bytes: number[]): Uint8Array => {
      const b = good.slice();
      b.set(bytes, at);
      return b;
    };
    expectNamed(() => decodeEnvelope(patch(0, 2)), UnknownEnumValueError); // kind
    expectNamed(() => decodeEnvelope(patch(29, 0x7f)), UnknownEnumValueError); // event type
    expectNamed(() => decodeEnvelope(patch(9, 0, 0, 0, 0)), InvalidWireFormatError); // seq 0
    expectNamed(() => decodeEnvelope(patch(39, 0, 0, 0, 0)), InvalidWireFormatError); // dep seq 0
    expectNamed(() => decodeEnvelope(patch(30, 5)), TooLargeError); // 5 dependencies
    expectNamed(() => decodeEnvelope(patch(17, 0, 0, 0x20, 0)), InvalidWireFormatError); // τs ≥ 2^53
    expectNamed(() => decodeEnvelope(patch(44, 0x01)), InvalidWireFormatError); // mutation shorter than its room
    expectNamed(() => decodeEnvelope(good.subarray(0, good.length - 1)), BufferTooShortError);
    const longer = new Uint8Array(encodeEnvelope(ephemeral).length + 1);
    longer.set(encodeEnvelope(ephemeral));
    expectNamed(() => decodeEnvelope(longer), InvalidWireFormatError);
  });

  it("dependencies name distinct authors other than the event's own, on both sides of the wire", () => {
    // Authors drawn from a small pool, so self-dependencies and repeats are common.
    const pool = [durable.author, nodeId(1), nodeId(2), nodeId(3)];
    const arbDeps = fc.array(
      fc.record({ author: fc.constantFrom(...pool), seq: fc.integer({ min: 1, max: 9 }) }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(arbDeps, (deps) => {
        const authors = deps.map((d) => d.author);
        const ok = !authors.includes(durable.author) && new Set(authors).size === authors.length;
        const e = { ...durable, dependencies: deps };
        if (ok) expect(decodeEnvelope(encodeEnvelope(e))).toEqual(e);
        else expectNamed(() => encodeEnvelope(e), OutOfRangeError);
        // The same list written into valid bytes by hand, as a faulty peer would.
        const bytes = encodeEnvelope({
          ...durable,
          dependencies: deps.map((d, i) => ({ author: nodeId(100 + i), seq: d.seq })),
        });
        const v = new DataView(bytes.buffer, bytes.byteOffset);
        deps.forEach((d, i) => v.setBigUint64(31 + 12 * i, d.author, true));
        if (ok) expect(decodeEnvelope(bytes)).toEqual(e);
        else expectNamed(() => decodeEnvelope(bytes), InvalidWireFormatError);
      }),
      { numRuns: propertyRuns(300, 1500) },
    );
  });

  it('refuses non-finite Blend weights on both sides of the wire (v0 takes them)', () => {
    const blend = (weight: number): MutationOp => ({
      type: 'blend',
      value: Uint8Array.of(1),
      weight,
    });
    // 1e39 is finite as a double but rounds to Infinity as an f32.
    for (const weight of [Number.NaN, Infinity, -Infinity, 1e39]) {
      expectNamed(() => encodeEnvelope({ ...ephemeral, mutation: blend(weight) }), OutOfRangeError);
      expectNamed(
        () => eventSigningBytes(sessionId(1), { ...durable, mutation: blend(weight) }),
        OutOfRangeError,
      );
    }
    const bytes = encodeEnvelope({ ...ephemeral, mutation: blend(0.5) });
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    for (const bits of [0x7f800001, 0x7fc00000, 0x7f800000, 0xff800000, 0xffffffff]) {
      v.setUint32(31, bits, true); // the weight, after the kind byte at 30
      expectNamed(() => decodeEnvelope(bytes), InvalidWireFormatError);
    }
  });

  it('re-encodes bit for bit whatever it decodes, Blend weight bits included', () => {
    // Valid envelopes whose Blend weight is then overwritten with any 32-bit pattern
    // (signalling NaNs among them: V8 would canonicalise 0x7f800001 when re-encoding).
    const withWeightBits = fc
      .tuple(arbEnvelope, fc.integer({ min: 0, max: 0xffff_ffff }))
      .map(([e, bits]) => {
        const bytes = encodeEnvelope({
          ...e,
          mutation: { type: 'blend', value: Uint8Array.of(7), weight: 1 },
        });
        const at = e.kind === EventKind.Durable ? 31 + 12 * e.dependencies.length + 1 : 31;
        new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, bits, true);
        return bytes;
      });
    fc.assert(
      fc.property(
        fc.oneof(withWeightBits, fuzzInput(arbEnvelope.map(encodeEnvelope), 160)),
        (b) => {
          const e = valueOrWireError(() => decodeEnvelope(b));
          if (e !== undefined) expect(toHex(encodeEnvelope(e))).toBe(toHex(b));
        },
      ),
      { numRuns: propertyRuns(1000, 8000) },
    );
  });

  it('random and mutated bytes give an envelope or a named error', () => {
    fc.assert(
      fc.property(fuzzInput(arbEnvelope.map(encodeEnvelope), 160), (bytes) => {
        valueOrWireError(() => decodeEnvelope(bytes));
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});

/** A stand-in signature for tests in core (real Ed25519 lives in @elara/crypto): a keyed fold. */
function toySigner(key: number): EventSigner {
  return (bytes) => {
    const sig = new Uint8Array(64);
    bytes.forEach((b, i) => {
      const j = i % 64;
      sig[j] = ((sig[j] as number) * 31 + b + key) & 0xff;
    });
    return sig;
  };
}

function toyVerifier(keys: Map<NodeId, number>): EventVerifier {
  return (author, bytes, signature) => {
    const key = keys.get(author);
    return key !== undefined && toHex(toySigner(key)(bytes)) === toHex(signature);
  };
}

describe('eventSigningBytes', () => {
  const session = sessionId(0x1122334455667788n);

  it('is the label, the session id and every field but the signature, in wire order', () => {
    const bytes = eventSigningBytes(session, durable);
    const label = new TextEncoder().encode(EVENT_SIGNING_LABEL);
    expect(toHex(bytes)).toBe(
      toHex(label) + '8877665544332211' + toHex(encodeEnvelope(durable).subarray(0, -64)),
    );
    expect(bytes.length).toBe(label.length + 8 + unsignedEnvelopeSize(durable));
    const { signature: _ignored, ...unsigned } = durable;
    expect(eventSigningBytes(session, unsigned)).toEqual(bytes);
  });

  it('binds every field and the session: any change is a different message', () => {
    fc.assert(
      fc.property(arbDurable, arbDurable, arbSessionId, (a, b, s2) => {
        const same =
          toHex(encodeEnvelope(a).subarray(0, -64)) === toHex(encodeEnvelope(b).subarray(0, -64));
        expect(toHex(eventSigningBytes(session, a)) === toHex(eventSigningBytes(session, b))).toBe(
          same,
        );
        if (s2 !== session)
          expect(eventSigningBytes(s2, a)).not.toEqual(eventSigningBytes(session, a));
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('can be taken from the received bytes, equal to the re-encoded form', () => {
    fc.assert(
      fc.property(arbDurable, arbSessionId, (e, s) => {
        const raw = encodeEnvelope(e);
        const fromWire = eventSigningBytesFromWire(s, raw);
        expect(toHex(fromWire)).toBe(
          toHex(eventSigningBytes(s, decodeEnvelope(raw) as DurableEnvelope)),
        );
        expect(fromWire.length).toBe(EVENT_SIGNING_LABEL.length + 8 + raw.length - 64);
      }),
      { numRuns: propertyRuns(300, 1500) },
    );
    expectNamed(
      () => eventSigningBytesFromWire(session, encodeEnvelope(ephemeral)),
      InvalidWireFormatError,
    );
    expectNamed(
      () => eventSigningBytesFromWire(session, new Uint8Array(95)),
      InvalidWireFormatError,
    );
  });

  it('verifies received bytes without re-encoding them', () => {
    const { signature: _s, ...unsigned } = durable;
    const raw = encodeEnvelope(signEnvelope(session, unsigned, toySigner(9)));
    const verifier = toyVerifier(new Map([[durable.author, 9]]));
    expect(verifyEnvelopeBytes(session, raw, verifier)).toBe(true);
    expect(verifyEnvelopeBytes(sessionId(1), raw, verifier)).toBe(false);
    // Any byte changed (outside what makes the bytes undecodable) fails verification.
    for (let i = 0; i < raw.length; i++) {
      const flipped = raw.slice();
      flipped[i] = (flipped[i] as number) ^ 0x01;
      const ok = valueOrWireError(() => verifyEnvelopeBytes(session, flipped, verifier));
      expect(ok === true, `byte ${i}`).toBe(false);
    }
    expectNamed(
      () => verifyEnvelopeBytes(session, encodeEnvelope(ephemeral), verifier),
      InvalidWireFormatError,
    );
  });

  it('exists only for durable envelopes', () => {
    expectNamed(() => eventSigningBytes(session, ephemeral as never), OutOfRangeError);
  });

  it('refuses a session id that is not a u64 bigint by name', () => {
    for (const bad of [5 as unknown as SessionId, -1n as SessionId, (2n ** 64n) as SessionId]) {
      expectNamed(() => eventSigningBytes(bad, durable), OutOfRangeError);
    }
  });

  it('signs and verifies through the injected signer and verifier', () => {
    const { signature: _s, ...unsigned } = durable;
    const signed = signEnvelope(session, unsigned, toySigner(9));
    const verifier = toyVerifier(new Map([[durable.author, 9]]));
    expect(verifyEnvelope(session, signed, verifier)).toBe(true);
    const wire = decodeEnvelope(encodeEnvelope(signed)) as DurableEnvelope;
    expect(verifyEnvelope(session, wire, verifier)).toBe(true);
    expect(verifyEnvelope(sessionId(1), wire, verifier)).toBe(false);
    expect(verifyEnvelope(session, { ...wire, seq: 8 }, verifier)).toBe(false);
    expect(verifyEnvelope(session, { ...wire, author: nodeId(5) }, verifier)).toBe(false);
    expectNamed(() => signEnvelope(session, unsigned, () => new Uint8Array(10)), OutOfRangeError);
  });
});
