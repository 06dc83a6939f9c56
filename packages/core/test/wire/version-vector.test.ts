import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  InvalidWireFormatError,
  OutOfRangeError,
  U64_MAX,
  decodeVersionVector,
  encodeVersionVector,
  nodeId,
  nodeIdFromHex,
  nodeIdToHex,
  versionVector,
  vvCompare,
  vvConcurrent,
  vvEquals,
  vvGet,
  vvHappensBefore,
  vvIncrement,
  vvMerge,
  vvMergeInto,
  vvSet,
  type NodeId,
  type ReadonlyVersionVector,
  type VersionOrder,
} from '../../src/index.ts';
import {
  arbVersionVector,
  expectNamed,
  fuzzInput,
  valueOrWireError,
  vvFromVector,
} from './helpers.ts';

type Entries = [string, string][];

function isU64Value(v: unknown): boolean {
  return typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
}
interface VvVectors {
  encode_cases: { entries: Entries; bytes: string; decoded: Entries }[];
  decode_invalid: { bytes: string; decodes: boolean }[];
  compare_cases: {
    name: string;
    a: Entries;
    b: Entries;
    a_happens_before_b: boolean;
    b_happens_before_a: boolean;
    a_concurrent_b: boolean;
    b_concurrent_a: boolean;
    a_eq_b: boolean;
    merge: Entries;
  }[];
  increment_example: { get_missing_node: number; result: Entries };
}

function entriesOf(vv: ReadonlyVersionVector): Entries {
  return [...vv]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([n, c]) => [nodeIdToHex(n), c.toString()]);
}

describeVectors<VvVectors>('version_vectors.json', (v) => {
  it('encodes sorted by node id, byte for byte, and decodes back', () => {
    for (const c of v.encode_cases) {
      // Insert in reverse to prove the encoder sorts.
      const vv = vvFromVector([...c.entries].reverse());
      expect(toHex(encodeVersionVector(vv))).toBe(c.bytes);
      expect(entriesOf(decodeVersionVector(fromHex(c.bytes)))).toEqual(c.decoded);
    }
    for (const c of v.decode_invalid) {
      expect(c.decodes).toBe(false);
      expectNamed(() => decodeVersionVector(fromHex(c.bytes)), InvalidWireFormatError);
    }
  });

  it('compares and merges like the reference', () => {
    for (const c of v.compare_cases) {
      const a = vvFromVector(c.a);
      const b = vvFromVector(c.b);
      expect(vvHappensBefore(a, b), c.name).toBe(c.a_happens_before_b);
      expect(vvHappensBefore(b, a), c.name).toBe(c.b_happens_before_a);
      expect(vvConcurrent(a, b), c.name).toBe(c.a_concurrent_b);
      expect(vvConcurrent(b, a), c.name).toBe(c.b_concurrent_a);
      expect(vvEquals(a, b), c.name).toBe(c.a_eq_b);
      expect(entriesOf(vvMerge(a, b)), c.name).toEqual(c.merge);
    }
  });

  it('increments and sets like the reference example', () => {
    const vv = versionVector();
    vvIncrement(vv, nodeId(9));
    vvIncrement(vv, nodeId(9));
    vvSet(vv, nodeId(3), 10n);
    expect(entriesOf(vv)).toEqual(v.increment_example.result);
    expect(vvGet(vv, nodeIdFromHex('0x77'))).toBe(BigInt(v.increment_example.get_missing_node));
  });
});

describe('VersionVector', () => {
  const runs = { numRuns: propertyRuns(1000, 10_000) };
  const flip: Record<VersionOrder, VersionOrder> = {
    before: 'after',
    after: 'before',
    equal: 'equal',
    concurrent: 'concurrent',
  };

  it('merge is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(arbVersionVector, arbVersionVector, arbVersionVector, (a, b, c) => {
        expect(vvEquals(vvMerge(a, b), vvMerge(b, a))).toBe(true);
        expect(vvEquals(vvMerge(vvMerge(a, b), c), vvMerge(a, vvMerge(b, c)))).toBe(true);
        expect(vvEquals(vvMerge(a, a), a)).toBe(true);
        expect(vvEquals(vvMerge(vvMerge(a, b), b), vvMerge(a, b))).toBe(true);
      }),
      runs,
    );
  });

  it('compare is antisymmetric and consistent with merge', () => {
    fc.assert(
      fc.property(arbVersionVector, arbVersionVector, (a, b) => {
        const ab = vvCompare(a, b);
        expect(vvCompare(b, a)).toBe(flip[ab]);
        const m = vvMerge(a, b);
        // The merge is the least upper bound: both are at or below it ...
        expect(['before', 'equal']).toContain(vvCompare(a, m));
        expect(['before', 'equal']).toContain(vvCompare(b, m));
        // ... and it equals the larger one when they are ordered.
        if (ab === 'before' || ab === 'equal') expect(vvCompare(m, b)).toBe('equal');
        if (ab === 'after') expect(vvCompare(m, a)).toBe('equal');
        if (ab === 'concurrent') {
          expect(vvCompare(a, m)).toBe('before');
          expect(vvCompare(b, m)).toBe('before');
        }
        expect(vvHappensBefore(a, b)).toBe(ab === 'before');
        expect(vvConcurrent(a, b)).toBe(ab === 'concurrent');
      }),
      runs,
    );
  });

  it('increment moves a vector strictly after its past', () => {
    fc.assert(
      fc.property(arbVersionVector, fc.integer({ min: 0, max: 14 }), (a, n) => {
        const next = new Map(a);
        vvIncrement(next, nodeId(n));
        expect(vvCompare(a, next)).toBe('before');
        expect(vvGet(next, nodeId(n))).toBe(vvGet(a, nodeId(n)) + 1n);
      }),
      runs,
    );
  });

  it('round-trips on the wire, sorted', () => {
    fc.assert(
      fc.property(arbVersionVector, (a) => {
        const bytes = encodeVersionVector(a);
        expect(vvEquals(decodeVersionVector(bytes), a)).toBe(true);
        const d = new DataView(bytes.buffer);
        for (let i = 16; i < bytes.length; i += 16) {
          expect(d.getBigUint64(i - 16, true) < d.getBigUint64(i, true)).toBe(true);
        }
      }),
      runs,
    );
  });

  it('merges in place and refuses counters outside u64', () => {
    const a = versionVector([[nodeId(1), 5n]]);
    expect(
      vvMergeInto(
        a,
        versionVector([
          [nodeId(1), 3n],
          [nodeId(2), 1n],
        ]),
      ),
    ).toBe(a);
    expect(entriesOf(a)).toEqual([
      ['0x0000000000000001', '5'],
      ['0x0000000000000002', '1'],
    ]);
    expectNamed(() => vvSet(a, nodeId(1), -1n), OutOfRangeError);
    expectNamed(() => versionVector([[nodeId(1), U64_MAX + 1n]]), OutOfRangeError);
    vvSet(a, nodeId(3), U64_MAX);
    expectNamed(() => vvIncrement(a, nodeId(3)), OutOfRangeError);
    expect(vvGet(a, nodeId(3))).toBe(U64_MAX);
  });

  it('refuses node ids and counters that are not u64 bigints everywhere an entry goes in', () => {
    // Values that would be written wrongly: −1n as ff…ff, 2^64 + 5 as 5 (a duplicate of node 5,
    // out of order), a number where a bigint belongs (DataView's TypeError).
    const bad = fc.oneof(
      fc.bigInt({ min: -(2n ** 70n), max: -1n }),
      fc.bigInt({ min: 2n ** 64n, max: 2n ** 70n }),
      fc.integer({ min: 0, max: 2 ** 31 }).map((n) => n as unknown as bigint),
    );
    const good = fc.bigInt({ min: 0n, max: U64_MAX });
    const entry = fc.tuple(fc.oneof(good, bad), fc.oneof(good, bad));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), (entries) => {
        const valid = entries.every(([n, c]) => isU64Value(n) && isU64Value(c));
        // A raw Map, as a caller could build one without versionVector() (a later duplicate
        // key replaces an earlier entry, so its validity is its own).
        const raw = new Map(entries as [NodeId, bigint][]);
        const rawValid = [...raw].every(([n, c]) => isU64Value(n) && isU64Value(c));
        const attempts: [() => unknown, boolean][] = [
          [() => versionVector(entries as [NodeId, bigint][]), valid],
          [
            () => {
              const vv = versionVector();
              for (const [n, c] of entries) vvSet(vv, n as NodeId, c);
            },
            valid,
          ],
          [() => vvMergeInto(versionVector(), raw), rawValid],
          [() => encodeVersionVector(raw), rawValid],
        ];
        for (const [attempt, ok] of attempts) {
          if (ok) attempt();
          else expectNamed(attempt, OutOfRangeError);
        }
        // Merging into a vector that already holds entries: whatever `raw` holds, the target
        // stays a valid vector (an entry that loses to the target's writes nothing).
        const target = versionVector([
          [nodeId(0), 1n],
          [nodeId(5), 3n],
        ]);
        try {
          vvMergeInto(target, raw);
        } catch (e) {
          expect(OutOfRangeError.isInstance(e)).toBe(true);
        }
        for (const [n, c] of target) expect(isU64Value(n) && isU64Value(c)).toBe(true);
        if (rawValid) {
          const bytes = encodeVersionVector(raw);
          expect(vvEquals(decodeVersionVector(bytes), raw)).toBe(true);
        }
        for (const [n] of entries) {
          if (!isU64Value(n))
            expectNamed(() => vvIncrement(versionVector(), n as NodeId), OutOfRangeError);
        }
      }),
      { numRuns: propertyRuns(500, 2000) },
    );
  });

  it('random bytes decode to a vector or a named error', () => {
    fc.assert(
      fc.property(fuzzInput(arbVersionVector.map(encodeVersionVector), 100), (bytes) => {
        const vv = valueOrWireError(() => decodeVersionVector(bytes));
        if (vv !== undefined) expect(vv.size).toBeLessThanOrEqual(bytes.length / 16);
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
