import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, propertyRuns } from '@elara/test-env';
import { OutOfRangeError } from '@elara/core';
import {
  CURRENT_ZONE_US,
  TimePosition,
  classify,
  classifyAt,
  correctionWeight,
  timePositionName,
  windowContains,
} from '../src/index.ts';
import type { TimeVectors } from './time-vectors.ts';

describeVectors<TimeVectors>('time.json', (v) => {
  it('classifies as the reference does (τs 1000 ms, Hc 100 ms, Hp 50 ms)', () => {
    const w = { tauS: 1_000_000, hcUs: 100_000, hpUs: 50_000 };
    for (const c of v.reality_window_tau_1000ms_hc_100ms_hp_50ms) {
      expect(timePositionName(classify(w, c.t_us)), `t = ${c.t_us}`).toBe(c.position);
      expect(windowContains(w, c.t_us)).toBe(c.contains);
    }
  });

  it('classifies as a fresh reference engine does (τs 0, Hc 80 ms, Hp 40 ms)', () => {
    const c = v.config_default;
    for (const x of v.fresh_engine_classify_tau_0_hc_80ms_hp_40ms) {
      const p = classifyAt(0, c.Hc_min_ms * 1000, c.Hp_min_ms * 1000, x.t_us);
      expect(timePositionName(p), `t = ${x.t_us}`).toBe(x.position);
    }
  });

  it('weighs corrections as the reference does', () => {
    for (const c of [...v.correction_weight_fresh, ...v.correction_weight_after_steps]) {
      // The reference divides seconds (0.072 / 0.08); we divide µs. Same rule, last-bit rounding.
      expect(correctionWeight(c.delay_ms * 1000, c.Hc_us)).toBeCloseTo(c.weight, 12);
    }
  });
});

describe('reality window', () => {
  const window = fc.record({
    tauS: fc.integer({ min: 0, max: 2 ** 52 }),
    hcUs: fc.integer({ min: 0, max: 10_000_000 }),
    hpUs: fc.integer({ min: 0, max: 10_000_000 }),
  });

  it('positions never go back as t increases, and meet the boundaries in order', () => {
    fc.assert(
      fc.property(window, fc.integer({ min: -20_000_000, max: 20_000_000 }), (w, d) => {
        const t = w.tauS + d;
        const p = classify(w, t);
        expect(classify(w, t + 1)).toBeGreaterThanOrEqual(p);
        if (t < w.tauS - w.hcUs) expect(p).toBe(TimePosition.TooLate);
        else if (t < w.tauS) expect(p).toBe(TimePosition.Correctable);
        else if (t <= w.tauS + CURRENT_ZONE_US) expect(p).toBe(TimePosition.Current);
        else if (t <= w.tauS + w.hpUs) expect(p).toBe(TimePosition.Predictable);
        else expect(p).toBe(TimePosition.TooEarly);
      }),
      { numRuns: propertyRuns(2_000, 50_000) },
    );
  });

  it('correction weight is in [0, 1] and non-increasing with delay', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e7, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (delay, hc, more) => {
          const w = correctionWeight(delay, hc);
          expect(w).toBeGreaterThanOrEqual(0);
          expect(w).toBeLessThanOrEqual(1);
          expect(correctionWeight(delay + more, hc)).toBeLessThanOrEqual(w);
        },
      ),
      { numRuns: propertyRuns(2_000, 50_000) },
    );
  });

  it('NaN is refused with a named error', () => {
    expect(() => classifyAt(0, 1, 1, Number.NaN)).toThrow(OutOfRangeError);
    expect(() => correctionWeight(Number.NaN, 1)).toThrow(OutOfRangeError);
  });
});
