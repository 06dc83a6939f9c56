import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import {
  BufferTooShortError,
  ByteReader,
  ByteWriter,
  OutOfRangeError,
  TooLargeError,
} from '../src/index.ts';

type Field =
  | { k: 'u8'; v: number }
  | { k: 'u16'; v: number }
  | { k: 'u32'; v: number }
  | { k: 'i32'; v: number }
  | { k: 'u64'; v: bigint }
  | { k: 'i64'; v: bigint }
  | { k: 'bytes'; v: Uint8Array };

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((v) => ({ k: 'u8' as const, v })),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ k: 'u16' as const, v })),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => ({ k: 'u32' as const, v })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ k: 'i32' as const, v })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ k: 'u64' as const, v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ k: 'i64' as const, v })),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ k: 'bytes' as const, v })),
);

function write(w: ByteWriter, f: Field): void {
  switch (f.k) {
    case 'u8':
      w.u8(f.v);
      break;
    case 'u16':
      w.u16(f.v);
      break;
    case 'u32':
      w.u32(f.v);
      break;
    case 'i32':
      w.i32(f.v);
      break;
    case 'u64':
      w.u64(f.v);
      break;
    case 'i64':
      w.i64(f.v);
      break;
    case 'bytes':
      w.bytes(f.v);
      break;
  }
}

function read(r: ByteReader, f: Field): unknown {
  switch (f.k) {
    case 'u8':
      return r.u8();
    case 'u16':
      return r.u16();
    case 'u32':
      return r.u32();
    case 'i32':
      return r.i32();
    case 'u64':
      return r.u64();
    case 'i64':
      return r.i64();
    case 'bytes':
      return r.bytes(f.v.byteLength);
  }
}

describe('ByteReader and ByteWriter', () => {
  it('round-trip any sequence of fields, little-endian', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 20 }), (fields) => {
        const w = new ByteWriter(2000);
        for (const f of fields) write(w, f);
        const r = new ByteReader(w.finish());
        for (const f of fields) expect(read(r, f)).toEqual(f.v);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: propertyRuns(500, 20_000) },
    );
    expect(Array.from(new ByteWriter(4).u32(0x01020304).finish())).toEqual([4, 3, 2, 1]);
  });

  it('never read past the end: every truncation throws BufferTooShortError', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 10 }), fc.nat(), (fields, cut) => {
        const w = new ByteWriter(1000);
        for (const f of fields) write(w, f);
        const all = w.toBytes();
        const len = cut % Math.max(1, all.byteLength);
        const r = new ByteReader(all.subarray(0, len));
        let failed = false;
        try {
          for (const f of fields) read(r, f);
        } catch (e) {
          expect(BufferTooShortError.isInstance(e)).toBe(true);
          failed = true;
        }
        expect(failed).toBe(len < all.byteLength);
      }),
      { numRuns: propertyRuns(500, 20_000) },
    );
  });

  it('refuse values out of range and writes past capacity', () => {
    expect(() => new ByteWriter(4).u8(256)).toThrow(OutOfRangeError);
    expect(() => new ByteWriter(4).u16(-1)).toThrow(OutOfRangeError);
    expect(() => new ByteWriter(4).u32(1.5)).toThrow(OutOfRangeError);
    expect(() => new ByteWriter(8).u64(2n ** 64n)).toThrow(OutOfRangeError);
    // A number where a bigint belongs is refused by name, not by DataView's TypeError.
    expect(() => new ByteWriter(8).u64(5 as unknown as bigint)).toThrow(OutOfRangeError);
    expect(() => new ByteWriter(8).i64(-5 as unknown as bigint)).toThrow(OutOfRangeError);
    expect(() => new ByteWriter(3).u32(1)).toThrow(TooLargeError);
    const w = new ByteWriter(2).u16(7);
    expect(() => w.u8(1)).toThrow(TooLargeError);
    expect(w.reset().u8(1).length).toBe(1);
  });

  it('reads views without copying and can be re-pointed', () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    const r = new ByteReader(data);
    const view = r.bytes(2);
    data[0] = 9;
    expect(view[0]).toBe(9);
    r.reset(new Uint8Array([5]));
    expect(r.u8()).toBe(5);
    expect(() => r.u8()).toThrow(BufferTooShortError);
  });
});

describe('ByteReader counts', () => {
  // Counts that are not non-negative integers: negative, fractional, NaN, infinite, huge.
  const badCount = fc.oneof(
    fc.integer({ min: -1_000_000, max: -1 }),
    fc.double({ noInteger: true }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53),
  );

  it('refuse a count that is not a non-negative integer, leaving the cursor where it was', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        badCount,
        (bytes, start, n) => {
          const r = new ByteReader(bytes);
          r.skip(start % bytes.length);
          const at = r.offset;
          for (const op of [() => r.skip(n), () => r.bytes(n), () => r.need(n)]) {
            let thrown: unknown;
            try {
              op();
            } catch (e) {
              thrown = e;
            }
            expect(OutOfRangeError.isInstance(thrown), String(thrown)).toBe(true);
            expect(r.offset).toBe(at);
          }
        },
      ),
      { numRuns: propertyRuns(500, 2000) },
    );
  });
});
