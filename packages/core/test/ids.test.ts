import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  ByteReader,
  ByteWriter,
  OutOfRangeError,
  StateTypePrefix,
  eventId,
  formatStateId,
  messageIdFromEvent,
  nodeId,
  nodeIdFromHex,
  nodeIdToHex,
  parseStateId,
  sessionId,
  stateId,
  stateIdFromParts,
  stateIdInstance,
  stateIdStrict,
  stateIdType,
  compareEventIds,
} from '../src/index.ts';

interface Hex64 {
  hex: string;
  dec: string;
}
interface IdVectors {
  node_ids: { bytes: string; value: Hex64 }[];
  session_ids: { bytes: string; value: Hex64 }[];
  state_id_packing: {
    bytes: string;
    display: string;
    instance_in: Hex64;
    instance_out: Hex64;
    state_id: Hex64;
    state_type: number;
    state_type_out: number;
  }[];
  message_id_from_event: { message_id: Hex64; node: Hex64; seq: string }[];
  state_id_helpers: { arg: string; fn: string; state_id: Hex64 }[];
  state_type_constants: Record<string, number>;
}

function u64Bytes(v: bigint): string {
  return toHex(new ByteWriter(8).u64(v).finish());
}

describeVectors<IdVectors>('ids.json', (v) => {
  it('encodes NodeIds and SessionIds as 8 bytes LE', () => {
    for (const c of v.node_ids) {
      const id = nodeId(BigInt(c.value.dec));
      expect(u64Bytes(id)).toBe(c.bytes);
      expect(nodeIdToHex(id)).toBe(c.value.hex);
      expect(new ByteReader(fromHex(c.bytes)).u64()).toBe(id);
    }
    for (const c of v.session_ids) expect(u64Bytes(sessionId(BigInt(c.value.dec)))).toBe(c.bytes);
  });

  it('packs StateIds as type:16 | instance:48 with the reference truncation', () => {
    for (const c of v.state_id_packing) {
      const id = stateIdFromParts(c.state_type, BigInt(c.instance_in.dec));
      expect(id).toBe(BigInt(c.state_id.dec));
      expect(u64Bytes(id)).toBe(c.bytes);
      expect(stateIdType(id)).toBe(c.state_type_out);
      expect(stateIdInstance(id)).toBe(BigInt(c.instance_out.dec));
      expect(formatStateId(id)).toBe(c.display);
      expect(parseStateId(c.display)).toBe(id);
    }
  });

  it('reproduces MessageId::from_event', () => {
    for (const c of v.message_id_from_event) {
      expect(messageIdFromEvent(nodeId(BigInt(c.node.dec)), BigInt(c.seq))).toBe(
        BigInt(c.message_id.dec),
      );
    }
  });

  it('reproduces the MSP and visual id helpers from the type prefixes', () => {
    const prefix: Record<string, number> = {
      'msp::text_stream_id': StateTypePrefix.Text,
      'msp::feed_stream_id': StateTypePrefix.Feed,
      'msp::presence_id': StateTypePrefix.Presence,
      'msp::typing_id': StateTypePrefix.Typing,
      'msp::voice_id': StateTypePrefix.Voice,
      'visual::visual_state_id': StateTypePrefix.Visual,
      'visual::stream_visual_state_id': StateTypePrefix.Visual,
      'visual::livestream_state_id': StateTypePrefix.Livestream,
    };
    for (const c of v.state_id_helpers) {
      const p = prefix[c.fn];
      expect(p, c.fn).toBeDefined();
      expect(stateIdFromParts(p as number, BigInt(c.arg))).toBe(BigInt(c.state_id.dec));
    }
    expect(v.state_type_constants).toMatchObject({
      TEXT: 1,
      PRESENCE: 2,
      TYPING: 3,
      FEED: 4,
      VOICE: 16,
      VISUAL: 32,
      LIVESTREAM: 33,
    });
  });
});

describe('identifiers', () => {
  const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

  it('round-trip NodeIds through hex and bytes', () => {
    fc.assert(
      fc.property(u64, (raw) => {
        const id = nodeId(raw);
        expect(nodeIdFromHex(nodeIdToHex(id))).toBe(id);
        expect(new ByteReader(new ByteWriter(8).u64(id).finish()).u64()).toBe(id);
      }),
      { numRuns: propertyRuns(500, 20_000) },
    );
  });

  it('pack and unpack StateIds for every type and 48-bit instance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.bigInt({ min: 0n, max: 2n ** 48n - 1n }),
        (t, inst) => {
          const id = stateIdStrict(t, inst);
          expect(stateIdType(id)).toBe(t);
          expect(stateIdInstance(id)).toBe(inst);
          expect(parseStateId(formatStateId(id))).toBe(id);
          expect(stateId(id)).toBe(id);
        },
      ),
      { numRuns: propertyRuns(500, 20_000) },
    );
  });

  it('refuses values outside their ranges with OutOfRangeError', () => {
    expect(() => nodeId(-1n)).toThrow(OutOfRangeError);
    expect(() => nodeId(2n ** 64n)).toThrow(OutOfRangeError);
    expect(() => stateIdStrict(1, 2n ** 48n)).toThrow(OutOfRangeError);
    expect(() => stateIdFromParts(0x10000, 1n)).toThrow(OutOfRangeError);
    expect(() => eventId(nodeId(1n), 0)).toThrow(OutOfRangeError);
    expect(() => eventId(nodeId(1n), 2 ** 32)).toThrow(OutOfRangeError);
  });

  it('orders event ids by author then seq', () => {
    fc.assert(
      fc.property(
        u64,
        u64,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (a, b, s, t) => {
          const x = eventId(nodeId(a), s);
          const y = eventId(nodeId(b), t);
          const c = compareEventIds(x, y);
          // Antisymmetric; `===`, since equal ids give 0 both ways and -0 is not Object.is 0.
          expect(Math.sign(c) === -Math.sign(compareEventIds(y, x))).toBe(true);
          if (a !== b) expect(c < 0).toBe(a < b);
          else expect(Math.sign(c)).toBe(Math.sign(s - t));
        },
      ),
      { numRuns: propertyRuns(300, 10_000) },
    );
  });
});
