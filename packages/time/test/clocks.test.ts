import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, propertyRuns } from '@elara/test-env';
import { OutOfRangeError } from '@elara/core';
import { JoinAlignmentError, PerceptualClock, StateClock } from '../src/index.ts';
import { ManualClock } from './manual-clock.ts';
import type { TimeVectors } from './time-vectors.ts';

describeVectors<TimeVectors>('time.json', (v) => {
  const ref = v.state_clock;

  it('state_clock: the reference converges at 100 % of its tick and steps back; ours slews within the bound', () => {
    // Reference: a +1 s target moved τs 20 ms per 10 ms advance, then a −1 s target stepped τs
    // back (values_us[5] → values_us[6]). We deliberately differ: the same corrections move τs
    // at most maxSlewPpm, and τs never decreases.
    expect(ref.values_us[1]! - ref.values_us[0]!).toBe(20_000);
    expect(ref.values_us[6]!).toBeLessThan(ref.values_us[5]!);

    const clock = new ManualClock();
    const tauS = new StateClock(clock);
    const bound = tauS.maxSlewPpm * 1e-6;
    tauS.correct(1_000_000);
    let prev = tauS.now();
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      const t = tauS.now();
      expect(t - prev).toBeLessThanOrEqual(10_000 * (1 + bound) + 1);
      expect(t - prev).toBeGreaterThanOrEqual(10_000 * (1 + bound) - 1);
      prev = t;
    }
    tauS.correct(-1_000_000);
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      const t = tauS.now();
      expect(t).toBeGreaterThan(prev);
      expect(t - prev).toBeGreaterThanOrEqual(10_000 * (1 - bound) - 1);
      prev = t;
    }
  });

  it('state_clock: the reference clamps its rate to [0.5, 2]; ours clamps the frequency correction', () => {
    expect([ref.rate_after_set_0_1, ref.rate_after_set_3]).toEqual([0.5, 2.0]);
    const tauS = new StateClock(new ManualClock(), { maxFrequencyPpm: 500 });
    expect(tauS.setFrequency(3_000_000)).toBe(500);
    expect(tauS.setFrequency(-900)).toBe(-500);
    expect(tauS.frequencyPpm).toBe(-500);
  });

  it('state_clock: the reference only syncs forward; ours steps once, either way, before the first event', () => {
    expect(ref.sync_to_lower_keeps_us).toBeGreaterThan(0);
    const clock = new ManualClock();
    const tauS = new StateClock(clock);
    const before = tauS.now();
    tauS.alignAtJoin(-5_000_000);
    expect(tauS.now()).toBe(before - 5_000_000);
    expect(() => tauS.alignAtJoin(1)).toThrow(JoinAlignmentError);
  });
});

describe('StateClock', () => {
  it('reads Unix-epoch µs from the injected clock', () => {
    const clock = new ManualClock(1_795_600_000_123_456);
    expect(new StateClock(clock).now()).toBe(1_795_600_000_123_456);
  });

  it('alignAtJoin is refused after the first event or closeJoin, with a named error', () => {
    const a = new StateClock(new ManualClock());
    a.stampEvent();
    expect(a.joinOpen).toBe(false);
    expect(() => a.alignAtJoin(10)).toThrow(JoinAlignmentError);
    const b = new StateClock(new ManualClock());
    b.closeJoin();
    expect(() => b.alignAtJoin(10)).toThrow(JoinAlignmentError);
    expect(JoinAlignmentError.isInstance(catching(() => b.alignAtJoin(1)))).toBe(true);
  });

  it('a correction completes after |error| / slew and then holds', () => {
    const clock = new ManualClock();
    const tauS = new StateClock(clock, { maxSlewPpm: 10_000 });
    const t0 = tauS.now();
    tauS.correct(-30_000); // 30 ms at 10 ms/s: 3 s
    clock.advance(1_500_000);
    expect(tauS.pendingUs()).toBeCloseTo(-15_000, 3);
    clock.advance(1_500_000);
    expect(tauS.pendingUs()).toBeCloseTo(0, 3);
    clock.advance(7_000_000);
    expect(tauS.now()).toBe(t0 + 10_000_000 - 30_000);
  });

  it('a later measurement replaces the pending correction instead of adding to it', () => {
    const clock = new ManualClock();
    const tauS = new StateClock(clock);
    tauS.correct(50_000);
    clock.advance(1_000_000); // 10 ms of it applied
    tauS.correct(5_000); // measured now: 5 ms behind
    expect(tauS.pendingUs()).toBeCloseTo(5_000, 6);
    expect(tauS.offsetUs()).toBeCloseTo(10_000, 6);
  });

  it('a frequency correction makes τs follow a drifting target', () => {
    const clock = new ManualClock();
    const tauS = new StateClock(clock);
    const t0 = tauS.now();
    tauS.setFrequency(200);
    clock.advance(100_000_000); // 100 s at +200 ppm: 20 ms
    expect(tauS.now() - t0).toBe(100_000_000 + 20_000);
    expect(tauS.pendingUs()).toBeCloseTo(0, 6);
  });

  it('refuses bad configuration and non-finite corrections with named errors', () => {
    const clock = new ManualClock();
    expect(() => new StateClock(clock, { maxSlewPpm: 0 })).toThrow(OutOfRangeError);
    expect(() => new StateClock(clock, { maxSlewPpm: 600_000 })).toThrow(OutOfRangeError);
    expect(() => new StateClock(clock, { maxSlewPpm: 100, maxFrequencyPpm: 100 })).toThrow(
      OutOfRangeError,
    );
    const tauS = new StateClock(clock);
    expect(() => tauS.correct(Number.NaN)).toThrow(OutOfRangeError);
    expect(() => tauS.slewTo(Number.POSITIVE_INFINITY)).toThrow(OutOfRangeError);
    expect(() => tauS.setFrequency(Number.NaN)).toThrow(OutOfRangeError);
    expect(() => tauS.alignAtJoin(2 ** 60)).toThrow(OutOfRangeError);
    expect(tauS.joinOpen).toBe(true);
    const before = tauS.now();
    clock.t = Number.NaN;
    expect(() => tauS.now()).toThrow(OutOfRangeError);
    clock.t = before;
    expect(tauS.now()).toBe(before);
  });
});

describe('StateClock.project and broken first readings', () => {
  it('project() is pure: a projection an hour ahead, or at 1e300, never holds τs back', () => {
    // at(localUs) used to move the never-backward floor: at(now + 1 h) froze τs for an hour,
    // at(1e300) for good.
    const clock = new ManualClock();
    const tauS = new StateClock(clock);
    const t0 = tauS.now();
    expect(tauS.project(clock.now() + 3_600_000_000)).toBe(t0 + 3_600_000_000);
    expect(tauS.project(1e300)).toBe(1e300);
    clock.advance(1_000);
    expect(tauS.now()).toBe(t0 + 1_000);
    tauS.correct(-2_000);
    clock.advance(100_000); // 1 ms of the correction slewed in
    expect(tauS.project(clock.now())).toBe(tauS.now());
    expect(tauS.now()).toBe(t0 + 101_000 - 1_000);
    expect(() => tauS.project(Number.NaN)).toThrow(OutOfRangeError);
    expect(() => tauS.project(Number.POSITIVE_INFINITY)).toThrow(OutOfRangeError);
  });

  it('a NaN first reading leaves the clocks unset until a finite one, instead of breaking them', () => {
    const clock = new ManualClock(Number.NaN);
    const tauS = new StateClock(clock);
    const tauP = new PerceptualClock(clock);
    expect(tauP.now()).toBe(0);
    clock.t = 1_800_000_000_000_000;
    expect(tauP.now()).toBe(0);
    clock.advance(16_000);
    expect(tauP.now()).toBe(16_000); // used to stay 0 for good
    const t0 = tauS.now();
    tauS.correct(5_000);
    clock.advance(1_000_000); // 5 ms at 10 ms/s: done
    expect(tauS.pendingUs()).toBeCloseTo(0, 6); // used to stay 5 000: never applied
    expect(tauS.now()).toBe(t0 + 1_000_000 + 5_000);
    clock.t = Number.NaN;
    expect(tauP.now()).toBe(16_000);
    expect(() => tauS.correct(1)).toThrow(OutOfRangeError);
  });
});

type Op =
  | { op: 'advance'; dt: number }
  | { op: 'read' }
  | { op: 'correct'; v: number }
  | { op: 'slewTo'; v: number }
  | { op: 'frequency'; v: number }
  | { op: 'align'; v: number }
  | { op: 'stamp' }
  | { op: 'close' }
  | { op: 'project'; v: number };

const huge = fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 });
const smallish = fc.integer({ min: -5_000_000, max: 5_000_000 });
const correctionOps: fc.Arbitrary<Op>[] = [
  fc.record({ op: fc.constant('read' as const) }),
  fc.record({ op: fc.constant('correct' as const), v: fc.oneof(huge, smallish) }),
  fc.record({ op: fc.constant('slewTo' as const), v: fc.oneof(huge, smallish) }),
  fc.record({ op: fc.constant('frequency' as const), v: fc.integer({ min: -5000, max: 5000 }) }),
  fc.record({ op: fc.constant('align' as const), v: fc.oneof(huge, smallish) }),
  fc.record({ op: fc.constant('stamp' as const) }),
  fc.record({ op: fc.constant('close' as const) }),
  // A projection anywhere (an hour ahead, 1e300): pure, so it must not change any reading.
  fc.record({
    op: fc.constant('project' as const),
    v: fc.oneof(huge, fc.constant(3_600_000_000), fc.constant(1e300)),
  }),
];
const forward = fc.record({
  op: fc.constant('advance' as const),
  dt: fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 100_000_000 })),
});
const anyStep = fc.record({
  op: fc.constant('advance' as const),
  dt: fc.integer({ min: -10_000_000, max: 100_000_000 }),
});

function catching(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('τp and τs under any schedule of ticks and corrections', () => {
  it('never go backward (clock steps back included); the one alignAtJoin before the first event excepted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(anyStep, ...correctionOps), { maxLength: 200 }),
        fc.integer({ min: 1_000, max: 500_000 }),
        (ops, maxSlewPpm) => {
          const clock = new ManualClock();
          const tauS = new StateClock(clock, { maxSlewPpm, maxFrequencyPpm: maxSlewPpm / 2 });
          const tauP = new PerceptualClock(clock);
          let prevS = tauS.now();
          let prevP = tauP.now();
          let mayAlign = true;
          for (const o of ops) {
            switch (o.op) {
              case 'advance':
                clock.advance(o.dt);
                break;
              case 'correct':
                tauS.correct(o.v);
                break;
              case 'slewTo':
                tauS.slewTo(o.v);
                break;
              case 'frequency':
                tauS.setFrequency(o.v);
                break;
              case 'align': {
                const err = catching(() => tauS.alignAtJoin(o.v));
                if (mayAlign) {
                  expect(err).toBeUndefined();
                  prevS = tauS.now(); // the permitted step
                } else {
                  expect(err).toBeInstanceOf(JoinAlignmentError);
                }
                mayAlign = false;
                break;
              }
              case 'stamp':
                expect(tauS.stampEvent()).toBeGreaterThanOrEqual(prevS);
                mayAlign = false;
                break;
              case 'close':
                tauS.closeJoin();
                mayAlign = false;
                break;
              case 'project':
                tauS.project(clock.now() + o.v);
                break;
              case 'read':
                break;
            }
            const s = tauS.now();
            const p = tauP.now();
            expect(s).toBeGreaterThanOrEqual(prevS);
            expect(p).toBeGreaterThanOrEqual(prevP);
            prevS = s;
            prevP = p;
          }
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });

  it('a correction of any size moves τs no faster than the slew bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(forward, ...correctionOps.filter((_, i) => i !== 4)), {
          maxLength: 200,
        }),
        fc.integer({ min: 1_000, max: 500_000 }),
        (ops, maxSlewPpm) => {
          const clock = new ManualClock();
          const tauS = new StateClock(clock, { maxSlewPpm, maxFrequencyPpm: maxSlewPpm / 2 });
          const rate = maxSlewPpm * 1e-6;
          let prevS = tauS.now();
          let prevL = clock.now();
          for (const o of ops) {
            if (o.op === 'advance') clock.advance(o.dt);
            else if (o.op === 'correct') tauS.correct(o.v);
            else if (o.op === 'slewTo') tauS.slewTo(o.v);
            else if (o.op === 'frequency') tauS.setFrequency(o.v);
            else if (o.op === 'stamp') tauS.stampEvent();
            else if (o.op === 'close') tauS.closeJoin();
            else if (o.op === 'project') tauS.project(clock.now() + o.v);
            const s = tauS.now();
            const l = clock.now();
            const dl = l - prevL;
            // ±1 µs: τs is floored to whole µs.
            expect(Math.abs(s - prevS - dl)).toBeLessThanOrEqual(rate * dl + 1);
            prevS = s;
            prevL = l;
          }
        },
      ),
      { numRuns: propertyRuns(500, 10_000) },
    );
  });
});

describe('PerceptualClock', () => {
  it('follows the clock, caps a long gap at maxStepUs, and holds when the clock steps back', () => {
    const clock = new ManualClock();
    const tauP = new PerceptualClock(clock, { maxStepUs: 100_000 });
    expect(tauP.now()).toBe(0);
    clock.advance(16_000);
    expect(tauP.now()).toBe(16_000);
    clock.advance(5_000_000); // the process was suspended
    expect(tauP.now()).toBe(116_000);
    clock.advance(-1_000_000);
    expect(tauP.now()).toBe(116_000);
    clock.advance(10_000);
    expect(tauP.now()).toBe(126_000);
    expect(() => new PerceptualClock(clock, { maxStepUs: 0 })).toThrow(OutOfRangeError);
  });
});
