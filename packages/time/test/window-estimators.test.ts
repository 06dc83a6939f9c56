import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { ReorderWindow } from '../src/internal/reorder-window.ts';
import { SequenceWindow } from '../src/internal/sequence-window.ts';
import { SlidingMean } from '../src/internal/sliding-mean.ts';

describe('sliding estimators match a naive computation over the same window', () => {
  it('ReorderWindow (exact maximum and 99th percentile) and SlidingMean', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 })), { maxLength: 600 }),
        (cap, values) => {
          const reorder = new ReorderWindow(cap, 0.01);
          const mean = new SlidingMean(cap);
          values.forEach((raw, i) => {
            reorder.push(raw);
            mean.push(raw);
            const clamped = values.map((v) => Math.min(v, cap - 1));
            const window = clamped.slice(Math.max(0, i + 1 - cap), i + 1);
            expect(reorder.max).toBe(Math.max(...window));
            // The smallest d with at most ⌊n / 100⌋ values above it.
            const allowed = Math.floor(window.length * 0.01);
            const sorted = [...window].sort((a, b) => b - a);
            expect(reorder.percentile).toBe(sorted[allowed] ?? 0);
            expect(reorder.size).toBe(window.length);
            const raws = values.slice(Math.max(0, i + 1 - cap), i + 1);
            expect(mean.mean).toBeCloseTo(raws.reduce((a, b) => a + b, 0) / raws.length, 9);
            expect(mean.size).toBe(raws.length);
          });
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('SequenceWindow: duplicates, too-old numbers and loss over [first, highest − guard]', () => {
    fc.assert(
      fc.property(
        // Capacities off and on word boundaries, guards from none to past the window: the
        // guarded range is counted a word at a time, across the ring's wrap.
        fc.integer({ min: 8, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 800 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 220 }),
        (cap, seqs, guard) => {
          const w = new SequenceWindow(cap);
          const seen = new Set<number>();
          let highest = -1;
          let lowest = Number.POSITIVE_INFINITY;
          for (const s of seqs) {
            const r = w.mark(s);
            if (highest >= 0 && s <= highest - cap) {
              expect(r).toBe(-1);
              continue;
            }
            expect(r).toBe(seen.has(s) ? 0 : 1);
            seen.add(s);
            highest = Math.max(highest, s);
            lowest = Math.min(lowest, s);
          }
          expect(w.highest).toBe(highest);
          const first = Math.max(highest - cap + 1, lowest);
          expect(w.first).toBe(first);
          const last = highest - guard;
          let expected = 0;
          let got = 0;
          for (let s = first; s <= last; s++) {
            expected++;
            if (seen.has(s)) got++;
          }
          expect(w.lossRate(guard)).toBeCloseTo(expected > 0 ? 1 - got / expected : 0, 12);
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });
});
