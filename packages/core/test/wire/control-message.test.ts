import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  ControlType,
  MAX_REPAIR_RANGE_SPAN,
  InvalidWireFormatError,
  OutOfRangeError,
  PayloadKind,
  UnknownEnumValueError,
  controlMessageSize,
  decodeControlMessage,
  encodeControlMessage,
  encodeEnvelope,
  nodeId,
  payloadKind,
  versionVector,
  vvEquals,
  type ControlMessage,
  type RepairRequestMessage,
} from '../../src/index.ts';
import {
  arbDurable,
  arbEphemeral,
  arbNodeId,
  arbTime,
  arbVersionVector,
  asDecoded,
  expectNamed,
  fuzzInput,
  valueOrWireError,
} from './helpers.ts';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const seq = fc.integer({ min: 1, max: 0xffff_ffff });

const arbControl: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc.uint8Array({ maxLength: 120 }).map((bytes) => ({ type: 'handshake' as const, bytes })),
  fc.record({ type: fc.constant('heartbeat' as const), counter: u32, time: arbTime, lastSeq: u32 }),
  fc.record({ type: fc.constant('time-sync-request' as const), id: u32, t1: arbTime }),
  fc.record({
    type: fc.constant('time-sync-response' as const),
    id: u32,
    t1: arbTime,
    t2: arbTime,
    t3: arbTime,
  }),
  fc.record({
    type: fc.constant('repair-request' as const),
    requestId: u32,
    ranges: fc.array(
      fc.tuple(arbNodeId, seq, fc.nat(1000)).map(([author, from, extra]) => ({
        author,
        from,
        to: Math.min(from + extra, 0xffff_ffff),
      })),
      { maxLength: 8 },
    ),
    digest: arbVersionVector,
  }),
  fc.record({
    type: fc.constant('repair-response' as const),
    requestId: u32,
    final: fc.boolean(),
    events: fc.array(arbDurable, { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('ack' as const),
    upTo: fc.array(fc.record({ author: arbNodeId, seq }), { maxLength: 8 }),
  }),
);

function normalised(m: ControlMessage): unknown {
  if (m.type === 'repair-response') return { ...m, events: m.events.map(asDecoded) };
  if (m.type === 'repair-request') return { ...m, digest: [...m.digest].sort() };
  return m;
}

describe('control messages', () => {
  it('round-trip every valid message, marked as Control before anything else', () => {
    fc.assert(
      fc.property(arbControl, (m) => {
        const bytes = encodeControlMessage(m);
        expect(bytes.length).toBe(controlMessageSize(m));
        expect(payloadKind(bytes)).toBe(PayloadKind.Control);
        const d = decodeControlMessage(bytes);
        if (m.type === 'repair-request' && d.type === 'repair-request') {
          expect(vvEquals(d.digest, m.digest)).toBe(true);
        }
        expect(normalised(d)).toEqual(normalised(m));
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('have the documented bytes', () => {
    expect(
      toHex(encodeControlMessage({ type: 'handshake', bytes: Uint8Array.of(0xc0, 0xde) })),
    ).toBe('0201c0de');
    expect(
      toHex(encodeControlMessage({ type: 'heartbeat', counter: 3, time: 256, lastSeq: 9 })),
    ).toBe('0202' + '03000000' + '0001000000000000' + '09000000');
    expect(toHex(encodeControlMessage({ type: 'time-sync-request', id: 1, t1: -1 }))).toBe(
      '0203' + '01000000' + 'ffffffffffffffff',
    );
    expect(
      toHex(encodeControlMessage({ type: 'time-sync-response', id: 1, t1: 1, t2: 2, t3: 3 })),
    ).toBe('0204' + '01000000' + '0100000000000000' + '0200000000000000' + '0300000000000000');
    const rr: RepairRequestMessage = {
      type: 'repair-request',
      requestId: 5,
      ranges: [{ author: nodeId(0xaa), from: 2, to: 4 }],
      digest: versionVector([[nodeId(0xbb), 7n]]),
    };
    expect(toHex(encodeControlMessage(rr))).toBe(
      '0205' +
        '05000000' +
        '01' +
        'aa00000000000000' +
        '02000000' +
        '04000000' +
        '0100' +
        'bb00000000000000' +
        '0700000000000000',
    );
    expect(
      toHex(
        encodeControlMessage({ type: 'repair-response', requestId: 5, final: true, events: [] }),
      ),
    ).toBe('0206' + '05000000' + '01');
    expect(
      toHex(encodeControlMessage({ type: 'ack', upTo: [{ author: nodeId(1), seq: 2 }] })),
    ).toBe('0207' + '0100' + '0100000000000000' + '02000000');
    expect(ControlType.Ack).toBe(0x07);
  });

  it('refuse what does not fit or is not allowed', () => {
    const bad: ControlMessage[] = [
      { type: 'heartbeat', counter: -1, time: 0, lastSeq: 0 },
      { type: 'heartbeat', counter: 0, time: 0.5, lastSeq: 0 },
      { type: 'time-sync-request', id: 2 ** 32, t1: 0 },
      {
        type: 'repair-request',
        requestId: 0,
        ranges: [{ author: nodeId(1), from: 0, to: 1 }],
        digest: new Map(),
      },
      {
        type: 'repair-request',
        requestId: 0,
        ranges: [{ author: nodeId(1), from: 3, to: 2 }],
        digest: new Map(),
      },
      {
        type: 'repair-request',
        requestId: 0,
        ranges: Array(256).fill({ author: nodeId(1), from: 1, to: 1 }),
        digest: new Map(),
      },
      { type: 'ack', upTo: [{ author: nodeId(1), seq: 0 }] },
    ];
    for (const m of bad) expectNamed(() => encodeControlMessage(m), OutOfRangeError);
  });

  it('bound the span of a repair range on both sides (a responder never walks 2^32 seqs)', () => {
    const request = (from: number, to: number): RepairRequestMessage => ({
      type: 'repair-request',
      requestId: 1,
      ranges: [{ author: nodeId(1), from, to }],
      digest: new Map(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffff_ffff }),
        fc.oneof(
          fc.integer({ min: 1, max: 2 * MAX_REPAIR_RANGE_SPAN }),
          fc.integer({ min: 1, max: 0xffff_ffff }),
        ),
        fc.integer({ min: 1, max: MAX_REPAIR_RANGE_SPAN }),
        (from, span, lowered) => {
          const to = Math.min(from + span - 1, 0xffff_ffff);
          const length = to - from + 1;
          if (length <= MAX_REPAIR_RANGE_SPAN) {
            const bytes = encodeControlMessage(request(from, to));
            expect(decodeControlMessage(bytes)).toEqual(request(from, to));
            // A receiver may lower the bound.
            if (length > lowered) {
              expectNamed(
                () => decodeControlMessage(bytes, { maxRangeSpan: lowered }),
                InvalidWireFormatError,
              );
            } else
              expect(decodeControlMessage(bytes, { maxRangeSpan: lowered }).type).toBe(
                'repair-request',
              );
          } else {
            expectNamed(() => encodeControlMessage(request(from, to)), OutOfRangeError);
            // The same range written by hand, as a faulty peer would.
            const bytes = encodeControlMessage(request(1, 1));
            new DataView(bytes.buffer, bytes.byteOffset).setUint32(15, from, true);
            new DataView(bytes.buffer, bytes.byteOffset).setUint32(19, to, true);
            expectNamed(() => decodeControlMessage(bytes), InvalidWireFormatError);
          }
        },
      ),
      { numRuns: propertyRuns(500, 2000) },
    );
    for (const maxRangeSpan of [0, 1.5, -1, 2 ** 32]) {
      expectNamed(
        () => decodeControlMessage(encodeControlMessage(request(1, 1)), { maxRangeSpan }),
        OutOfRangeError,
      );
    }
  });

  it('reject malformed payloads with named errors', () => {
    expectNamed(() => decodeControlMessage(Uint8Array.of(0x01, 0x02)), InvalidWireFormatError);
    expectNamed(() => decodeControlMessage(Uint8Array.of(0x02, 0x7e)), UnknownEnumValueError);
    expectNamed(() => decodeControlMessage(Uint8Array.of(0x02)), BufferTooShortError);
    const hb = encodeControlMessage({ type: 'heartbeat', counter: 1, time: 2, lastSeq: 3 });
    expectNamed(() => decodeControlMessage(hb.subarray(0, -1)), BufferTooShortError);
    const longer = new Uint8Array(hb.length + 1);
    longer.set(hb);
    expectNamed(() => decodeControlMessage(longer), InvalidWireFormatError);
    const farTime = hb.slice();
    farTime[13] = 0x7f; // τs high byte: beyond 2^53
    expectNamed(() => decodeControlMessage(farTime), InvalidWireFormatError);
    const flags = encodeControlMessage({
      type: 'repair-response',
      requestId: 1,
      final: false,
      events: [],
    });
    flags[6] = 0x02;
    expectNamed(() => decodeControlMessage(flags), InvalidWireFormatError);
  });

  it('a repair response carries only durable events', () => {
    fc.assert(
      fc.property(arbEphemeral, (e) => {
        const head = encodeControlMessage({
          type: 'repair-response',
          requestId: 1,
          final: true,
          events: [],
        });
        const env = encodeEnvelope(e);
        const bytes = new Uint8Array(head.length + 2 + env.length);
        bytes.set(head);
        bytes[head.length] = env.length & 0xff;
        bytes[head.length + 1] = env.length >> 8;
        bytes.set(env, head.length + 2);
        expectNamed(() => decodeControlMessage(bytes), InvalidWireFormatError);
        expectNamed(
          () =>
            encodeControlMessage({
              type: 'repair-response',
              requestId: 1,
              final: true,
              events: [e as never],
            }),
          OutOfRangeError,
        );
      }),
      { numRuns: propertyRuns(100, 1000) },
    );
  });

  it('random and mutated payloads give a message or a named error', () => {
    fc.assert(
      fc.property(fuzzInput(arbControl.map(encodeControlMessage), 200), (bytes) => {
        valueOrWireError(() => decodeControlMessage(bytes));
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
