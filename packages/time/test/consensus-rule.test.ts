import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { OutOfRangeError } from '@elara/core';
import { CONSENSUS_DEFAULTS, checkConsensusRule, joinOffset, sessionOffset } from '../src/index.ts';

const rule = CONSENSUS_DEFAULTS;
const of = (...xs: number[]) => Float64Array.from(xs);

describe('joinOffset (lower median)', () => {
  it('is the lower middle value, our own 0 included, with far outliers left out', () => {
    expect(joinOffset(of(0, -1_850_000, 420_000, 10_000_000), 4, rule)).toBe(0);
    expect(joinOffset(of(0, 300, -200, 100), 4, rule)).toBe(0);
    expect(joinOffset(of(0, 300, 200, 100), 4, rule)).toBe(100);
    expect(joinOffset(of(5), 1, rule)).toBe(5);
    expect(Number.isNaN(joinOffset(of(), 0, rule))).toBe(true);
  });

  it('property: members moving onto the lower median keep it there (late and early joiners agree)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2_000_000, max: 2_000_000 }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        (clocks, moved) => {
          const m = joinOffset(Float64Array.from(clocks), clocks.length, rule);
          const after = clocks.map((c, i) => (moved[i] === true ? m : c));
          expect(joinOffset(Float64Array.from(after), after.length, rule)).toBe(m);
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });
});

describe('sessionOffset (trimmed mean)', () => {
  it('averages the middle after dropping max(1, ⌊n/4⌋) at each end', () => {
    expect(sessionOffset(of(0, 1_200, -800, 400, 10_000_000), 5, rule)).toBe(200);
    expect(sessionOffset(of(0, 10), 2, rule)).toBe(5); // two nodes meet halfway
    expect(sessionOffset(of(0, 10, 1_000), 3, rule)).toBe(10); // the median of three
    expect(sessionOffset(of(1, 2, 3, 4, 5, 6, 7, 8), 8, rule)).toBe(4.5);
    expect(Number.isNaN(sessionOffset(of(), 0, rule))).toBe(true);
  });

  it('property: one arbitrary value among ≥ 2 honest ones cannot leave the honest range', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5_000, max: 5_000 }), { minLength: 2, maxLength: 64 }),
        fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer()),
        (honest, lie) => {
          const values = Float64Array.from([...honest, lie]);
          const lo = Math.min(...honest);
          const hi = Math.max(...honest);
          for (const result of [
            sessionOffset(values.slice(), values.length, rule),
            joinOffset(values.slice(), values.length, rule),
          ]) {
            expect(result).toBeGreaterThanOrEqual(lo);
            expect(result).toBeLessThanOrEqual(hi);
          }
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });

  it('has no consensus without a strict majority near the median: a lone peer far off is not followed, below or above', () => {
    for (const far of [-10_000_000, 10_000_000]) {
      // The lower median of two is the lower one, so a peer 10 s below used to win outright.
      expect(Number.isNaN(joinOffset(of(0, far), 2, rule))).toBe(true);
      expect(Number.isNaN(sessionOffset(of(0, far), 2, rule))).toBe(true);
      // Half and half is no majority either…
      expect(Number.isNaN(sessionOffset(of(0, 10, far, far + 10), 4, rule))).toBe(true);
      // …but two of three are.
      expect(joinOffset(of(0, 100, far), 3, rule)).toBe(0);
      expect(sessionOffset(of(0, 100, far), 3, rule)).toBe(50);
    }
    // Within outlierUs two nodes still meet halfway.
    expect(sessionOffset(of(0, -4_000_000), 2, rule)).toBe(-2_000_000);
  });

  it('refuses a bad rule with a named error', () => {
    expect(() => checkConsensusRule({ trim: 0.5, outlierUs: 1 })).toThrow(OutOfRangeError);
    expect(() => checkConsensusRule({ trim: -0.1, outlierUs: 1 })).toThrow(OutOfRangeError);
    expect(() => checkConsensusRule({ trim: 0.25, outlierUs: 0 })).toThrow(OutOfRangeError);
  });
});
