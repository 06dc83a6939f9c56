import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, propertyRuns } from '@elara/test-env';
import {
  OutOfRangeError,
  fromWireOffset,
  systemClock,
  timeIntentToAbsolute,
  toWireOffset,
  saturatingElapsed,
} from '../src/index.ts';

interface TimeVectors {
  wire_offsets: {
    reference_us: number;
    time_us: number;
    wire_offset_100us: number;
    back_to_time_us: number;
  }[];
}

describeVectors<TimeVectors>('time.json', (v) => {
  it('wire offsets: 100 µs units, truncated toward zero, clamped to i32', () => {
    for (const c of v.wire_offsets) {
      expect(toWireOffset(c.time_us, c.reference_us)).toBe(c.wire_offset_100us);
      expect(fromWireOffset(c.reference_us, c.wire_offset_100us)).toBe(c.back_to_time_us);
    }
  });
});

describe('time primitives', () => {
  it('wire offsets round-trip to within one unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: -2e11, max: 2e11 }),
        (ref, d) => {
          const off = toWireOffset(ref + d, ref);
          expect(Object.is(off, -0)).toBe(false);
          expect(Math.abs(fromWireOffset(ref, off) - (ref + d))).toBeLessThan(100);
          expect(timeIntentToAbsolute({ offset: off }, ref)).toBe(fromWireOffset(ref, off));
        },
      ),
      { numRuns: propertyRuns(1000, 20_000) },
    );
    expect(() => fromWireOffset(0, 2 ** 31)).toThrow(OutOfRangeError);
    expect(saturatingElapsed(5, 9)).toBe(0);
  });

  it('the system clock reads Unix-epoch µs and never goes backward', () => {
    const clock = systemClock();
    let prev = clock.now();
    expect(Math.abs(prev - Date.now() * 1000)).toBeLessThan(5_000_000);
    for (let i = 0; i < 10_000; i++) {
      const t = clock.now();
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
  });
});
