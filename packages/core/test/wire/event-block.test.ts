import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  EventType,
  InvalidWireFormatError,
  OutOfRangeError,
  TooLargeError,
  UnknownEnumValueError,
  WireError,
  decodeEventBlock,
  decodeEventBlocks,
  encodeEventBlock,
  encodeEventBlockInto,
  eventBlockSize,
  nodeId,
  nodeIdFromHex,
  stateId,
  versionVector,
  vvEquals,
  type EventBlock,
  type EventType as EventTypeT,
  type StateId,
  type V0Event,
} from '../../src/index.ts';
import {
  type Hex64,
  type VectorMutation,
  arbMutation,
  arbVersionVector,
  expectNamed,
  fuzzInput,
  mutationFromVector,
  valueOrWireError,
  vvFromVector,
} from './helpers.ts';

interface VectorEvent {
  event_type: number;
  id_seq: string;
  mutation: VectorMutation;
  source: string;
  target_state: Hex64;
  time_intent_offset: number;
  version_ref: [string, string][];
}
interface BlockVectors {
  encode_cases: ({ event: VectorEvent; block: string } & Record<string, unknown>)[];
  decode_cases: {
    name: string;
    payload: string;
    source: string;
    time_hint: number;
    events: VectorEvent[];
  }[];
}

function blockOf(e: VectorEvent): EventBlock {
  return {
    eventType: e.event_type as EventTypeT,
    target: stateId(BigInt(e.target_state.dec)),
    versionRef: vvFromVector(e.version_ref),
    mutation: mutationFromVector(e.mutation),
  };
}

function expectEvent(got: V0Event | undefined, want: VectorEvent, label: string): void {
  expect(got, label).toBeDefined();
  if (got === undefined) return;
  const w = blockOf(want);
  expect(got.eventType, label).toBe(w.eventType);
  expect(got.target, label).toBe(w.target);
  expect(vvEquals(got.versionRef, w.versionRef), label).toBe(true);
  expect(got.mutation, label).toEqual(w.mutation);
  expect(got.source, label).toBe(nodeIdFromHex(want.source));
  expect(got.seq, label).toBe(BigInt(want.id_seq));
  expect(got.timeHint, label).toBe(want.time_intent_offset);
}

const arbBlock: fc.Arbitrary<EventBlock> = fc.record({
  eventType: fc.constantFrom(...(Object.values(EventType) as EventTypeT[])),
  target: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(stateId),
  versionRef: arbVersionVector,
  mutation: arbMutation,
});

describeVectors<BlockVectors>('event_blocks.json', (v) => {
  it('encodes every reference block byte for byte and rebuilds what the runtime rebuilds', () => {
    for (const c of v.encode_cases) {
      expect(toHex(encodeEventBlock(blockOf(c.event)))).toBe(c.block);
      const rebuilt = c['decoded_with_source_0x77_time_hint_-42'] as VectorEvent[];
      const { events, consumed } = decodeEventBlocks(fromHex(c.block), nodeId(0x77), -42);
      expect(consumed).toBe(c.block.length / 2);
      expect(events.length).toBe(rebuilt.length);
      rebuilt.forEach((e, i) => expectEvent(events[i], e, c.block));
    }
  });

  it('decodes payloads like the runtime loop, stopping silently at the first bad block', () => {
    for (const c of v.decode_cases) {
      const { events } = decodeEventBlocks(
        fromHex(c.payload),
        nodeIdFromHex(c.source),
        c.time_hint,
      );
      expect(events.length, c.name).toBe(c.events.length);
      c.events.forEach((e, i) => expectEvent(events[i], e, c.name));
    }
  });

  it('the strict single-block decoder names what the loop stops on', () => {
    const byName = new Map(v.decode_cases.map((c) => [c.name, fromHex(c.payload)]));
    const first = 18; // the TextAppend block at the start of these payloads
    expectNamed(
      () => decodeEventBlock(byName.get('unknown_event_type_0_stops') as Uint8Array, first),
      UnknownEnumValueError,
    );
    expectNamed(
      () => decodeEventBlock(byName.get('delta_len_mismatch_stops') as Uint8Array),
      WireError,
    );
    expectNamed(
      () => decodeEventBlock(byName.get('version_len_not_multiple_of_16_stops') as Uint8Array),
      InvalidWireFormatError,
    );
    expectNamed(
      () => decodeEventBlock(byName.get('delta_len_2_but_delete_is_1_byte_stops') as Uint8Array),
      InvalidWireFormatError,
    );
  });
});

describe('event blocks', () => {
  it('round-trip, several per payload, with seq = versionRef[source] + 1', () => {
    fc.assert(
      fc.property(
        fc.array(arbBlock, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 12 }),
        (blocks, src) => {
          const parts = blocks.map(encodeEventBlock);
          const payload = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            payload.set(p, at);
            at += p.length;
          }
          const { events, consumed } = decodeEventBlocks(payload, nodeId(src), 5);
          expect(consumed).toBe(payload.length);
          expect(events.length).toBe(blocks.length);
          events.forEach((e, i) => {
            const b = blocks[i] as EventBlock;
            expect(eventBlockSize(b)).toBe((parts[i] as Uint8Array).length);
            expect(e.eventType).toBe(b.eventType);
            expect(e.target).toBe(b.target);
            expect(vvEquals(e.versionRef, b.versionRef)).toBe(true);
            const m = b.mutation;
            expect(e.mutation).toEqual(
              m.type === 'blend' ? { ...m, weight: Math.fround(m.weight) } : m,
            );
            expect(e.seq).toBe((b.versionRef.get(nodeId(src)) ?? 0n) + 1n);
          });
        },
      ),
      { numRuns: propertyRuns(1000, 5000) },
    );
  });

  it('refuses an unknown event type and a target outside u64 instead of wrapping them', () => {
    const known = new Set<number>(Object.values(EventType));
    // Numbers that are not event type bytes: wider than a byte (300 → 0x2c, 384 → 0x80 would
    // wrap), negative, fractional, and bytes with no EventType (0x99).
    const badType = fc
      .oneof(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
        fc.double(),
        fc.constantFrom(300, 384, -1, 0x99, 0x100 + EventType.TextAppend),
      )
      .filter((t) => !known.has(t));
    const badTarget = fc.oneof(
      fc.bigInt({ min: -(2n ** 70n), max: -1n }),
      fc.bigInt({ min: 2n ** 64n, max: 2n ** 70n }),
      fc.integer().map((n) => n as unknown as bigint),
    );
    const base = (eventType: number, target: bigint): EventBlock => ({
      eventType: eventType as EventTypeT,
      target: target as StateId,
      versionRef: versionVector(),
      mutation: { type: 'delete' },
    });
    fc.assert(
      fc.property(badType, badTarget, (t, target) => {
        expectNamed(() => encodeEventBlock(base(t, 1n)), OutOfRangeError);
        expectNamed(() => encodeEventBlock(base(EventType.StateUpdate, target)), OutOfRangeError);
        const out = new Uint8Array(64);
        expectNamed(() => encodeEventBlockInto(base(t, 1n), out), OutOfRangeError);
        expect(out.every((b) => b === 0)).toBe(true);
      }),
      { numRuns: propertyRuns(500, 2000) },
    );
  });

  it('refuses an offset that is not a non-negative integer by name', () => {
    const bytes = encodeEventBlock({
      eventType: EventType.StateUpdate,
      target: stateId(1),
      versionRef: versionVector(),
      mutation: { type: 'delete' },
    });
    for (const offset of [-1, 0.5, Number.NaN, -0.5]) {
      expectNamed(() => decodeEventBlock(bytes, offset), OutOfRangeError);
    }
  });

  it('refuses a version vector that does not fit vlen', () => {
    const big = versionVector(Array.from({ length: 4096 }, (_, i) => [nodeId(i), 1n] as const));
    expectNamed(
      () =>
        encodeEventBlock({
          eventType: EventType.StateUpdate,
          target: stateId(1),
          versionRef: big,
          mutation: { type: 'delete' },
        }),
      TooLargeError,
    );
  });

  it('random and mutated payloads: the loop never throws, the strict decoder names its errors', () => {
    fc.assert(
      fc.property(fuzzInput(arbBlock.map(encodeEventBlock), 160), (bytes) => {
        const { consumed } = decodeEventBlocks(bytes, nodeId(1), 0);
        expect(consumed).toBeLessThanOrEqual(bytes.length);
        valueOrWireError(() => decodeEventBlock(bytes));
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
