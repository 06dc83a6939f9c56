import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  BufferTooShortError,
  MAX_MUTATION_DATA,
  OutOfRangeError,
  TooLargeError,
  UnknownEnumValueError,
  decodeMutationOp,
  decodeMutationOpAt,
  encodeMutationOp,
  encodeMutationOpInto,
  mutationOpSize,
} from '../../src/index.ts';
import {
  type VectorMutation,
  arbMutation,
  expectNamed,
  fuzzInput,
  mutationFromVector,
  valueOrWireError,
} from './helpers.ts';

interface MutationVectors {
  encode_cases: { op: VectorMutation; bytes: string; decoded: VectorMutation; consumed: number }[];
  decode_cases: {
    name: string;
    bytes: string;
    ok: boolean;
    decoded?: VectorMutation;
    consumed?: number;
  }[];
}

describeVectors<MutationVectors>('mutation_ops.json', (v) => {
  it('encodes every reference case byte for byte and decodes it back', () => {
    for (const c of v.encode_cases) {
      const op = mutationFromVector(c.op);
      expect(toHex(encodeMutationOp(op)), c.op.op).toBe(c.bytes);
      expect(decodeMutationOp(fromHex(c.bytes)), c.op.op).toEqual({
        op: mutationFromVector(c.decoded),
        consumed: c.consumed,
      });
    }
  });

  it('decodes malformed and trailing inputs like the reference (None → named error)', () => {
    for (const c of v.decode_cases) {
      const bytes = fromHex(c.bytes);
      if (c.ok) {
        expect(decodeMutationOp(bytes), c.name).toEqual({
          op: mutationFromVector(c.decoded as VectorMutation),
          consumed: c.consumed,
        });
      } else {
        const cls = c.name.startsWith('unknown_tag') ? UnknownEnumValueError : BufferTooShortError;
        expectNamed(() => decodeMutationOp(bytes), cls);
      }
    }
  });
});

describe('MutationOp', () => {
  it('refuses data over 65535 bytes instead of truncating its length (PROTOCOL.md §8.2)', () => {
    const big = new Uint8Array(MAX_MUTATION_DATA + 1);
    for (const op of [
      { type: 'set', data: big },
      { type: 'append', data: big },
      { type: 'merge', data: big },
      { type: 'blend', value: big, weight: 1 },
    ] as const) {
      expectNamed(() => encodeMutationOp(op), TooLargeError);
    }
    expect(encodeMutationOp({ type: 'set', data: big.subarray(1) }).length).toBe(
      3 + MAX_MUTATION_DATA,
    );
  });

  it('refuses deltas outside i64 and targets too small', () => {
    expectNamed(() => encodeMutationOp({ type: 'increment', delta: 2n ** 63n }), OutOfRangeError);
    expectNamed(
      () => encodeMutationOp({ type: 'increment', delta: -(2n ** 63n) - 1n }),
      OutOfRangeError,
    );
    // A number where the bigint belongs: a named error, not DataView's TypeError.
    expectNamed(
      () => encodeMutationOp({ type: 'increment', delta: 5 as unknown as bigint }),
      OutOfRangeError,
    );
    expectNamed(
      () => encodeMutationOpInto({ type: 'delete' }, new Uint8Array(0)),
      BufferTooShortError,
    );
  });

  it('decodes at an offset, bounded by end even when more bytes follow', () => {
    const bytes = Uint8Array.of(0xee, 0x03, 0x02, 0x00, 0x68, 0x69, 0xee);
    expect(decodeMutationOpAt(bytes, 1, 6)).toEqual({
      type: 'append',
      data: Uint8Array.of(0x68, 0x69),
    });
    expectNamed(() => decodeMutationOpAt(bytes, 1, 5), BufferTooShortError);
    expectNamed(() => decodeMutationOpAt(bytes, 1, 1), BufferTooShortError);
    expectNamed(() => decodeMutationOpAt(bytes, 0, 8), OutOfRangeError);
  });

  it('round-trips every valid op, with views into the input', () => {
    fc.assert(
      fc.property(arbMutation, (op) => {
        const bytes = encodeMutationOp(op);
        expect(bytes.length).toBe(mutationOpSize(op));
        const d = decodeMutationOp(bytes);
        expect(d.consumed).toBe(bytes.length);
        expect(d.op).toEqual(op.type === 'blend' ? { ...op, weight: Math.fround(op.weight) } : op);
        if (d.op.type === 'set') expect(d.op.data.buffer).toBe(bytes.buffer);
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('decodes the same from a fresh array and from the buffer it just wrote into', () => {
    fc.assert(
      fc.property(arbMutation, fc.nat(8), (op, at) => {
        const buf = new Uint8Array(at + mutationOpSize(op));
        encodeMutationOpInto(op, buf, at); // leaves the DataView cache on `buf`
        const viaCache = decodeMutationOpAt(buf, at);
        expect(decodeMutationOpAt(buf.slice(), at)).toEqual(viaCache);
        if (op.type === 'increment') expect(viaCache).toEqual(op);
        if (op.type === 'blend' && viaCache.type === 'blend') {
          expect(Object.is(viaCache.weight, Math.fround(op.weight))).toBe(true);
        }
      }),
      { numRuns: propertyRuns(300, 1500) },
    );
  });

  it('random and mutated bytes give an op or a named error, never reading past the input', () => {
    fc.assert(
      fc.property(fuzzInput(arbMutation.map(encodeMutationOp), 80), (bytes) => {
        const d = valueOrWireError(() => decodeMutationOp(bytes));
        if (d !== undefined) expect(d.consumed).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
