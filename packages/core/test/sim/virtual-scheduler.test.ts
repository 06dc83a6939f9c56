import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { Prng, ReentrantAdvanceError, VirtualScheduler } from '../../src/sim/index.ts';
import { after, OutOfRangeError } from '../../src/index.ts';

describe('VirtualScheduler', () => {
  it('runs timers in time order, ties in scheduling order, and skips cancelled ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { maxLength: 200 }),
        (specs) => {
          const s = new VirtualScheduler();
          const ran: { t: number; i: number; at: number }[] = [];
          specs.forEach(([t, cancel], i) => {
            const c = s.at(t, () => ran.push({ t, i, at: s.now() }));
            if (cancel) c();
          });
          s.advanceBySync(1000);
          const expected = specs
            .map(([t, cancel], i) => ({ t, i, cancel }))
            .filter((x) => !x.cancel)
            .sort((a, b) => a.t - b.t || a.i - b.i);
          expect(ran.map((r) => r.i)).toEqual(expected.map((e) => e.i));
          for (const r of ran) expect(r.at).toBe(r.t);
          expect(s.pending).toBe(0);
          expect(s.now()).toBe(1000);
        },
      ),
      { numRuns: propertyRuns(300, 5_000) },
    );
  });

  it('runs timers scheduled from timers, and past times run at now', () => {
    const s = new VirtualScheduler(100);
    const log: string[] = [];
    s.at(150, () => {
      log.push(`a@${s.now()}`);
      s.at(10, () => log.push(`past@${s.now()}`));
      after(s, 25, () => log.push(`b@${s.now()}`));
    });
    s.advanceBySync(100);
    expect(log).toEqual(['a@150', 'past@150', 'b@175']);
    expect(s.now()).toBe(200);
  });

  it('drains promise continuations between timers, in virtual time', async () => {
    const s = new VirtualScheduler();
    const sleep = (us: number) => new Promise<void>((r) => after(s, us, r));
    const log: string[] = [];
    const worker = async (name: string, step: number) => {
      for (let i = 0; i < 3; i++) {
        await sleep(step);
        await Promise.resolve();
        log.push(`${name}${i}@${s.now()}`);
      }
    };
    const done = Promise.all([worker('a', 10), worker('b', 15)]);
    await s.advanceBy(100);
    await done;
    // b1 and a2 are both due at 30; b1's timer was scheduled first (at 15), so it runs first.
    expect(log).toEqual(['a0@10', 'b0@15', 'a1@20', 'b1@30', 'a2@30', 'b2@45']);
  });

  it('runUntil stops when the condition holds or at the limit', async () => {
    const s = new VirtualScheduler();
    let n = 0;
    const tick = () => {
      n++;
      after(s, 10, tick);
    };
    after(s, 10, tick);
    expect(await s.runUntil(() => n === 5)).toBe(true);
    expect(s.now()).toBe(50);
    expect(await s.runUntil(() => n === 1000, 100)).toBe(false);
    expect(s.now()).toBe(150);
  });

  it('gives identical traces for one seed (and different ones for another)', async () => {
    const trace = async (seed: number) => {
      const s = new VirtualScheduler();
      const rng = new Prng(seed);
      const out: string[] = [];
      const actor = async (id: number) => {
        for (let i = 0; i < 20; i++) {
          await new Promise<void>((r) => after(s, Math.floor(rng.exponential(1000)), r));
          out.push(`${id}:${i}@${s.now()}`);
        }
      };
      const all = Promise.all([0, 1, 2, 3].map(actor));
      await s.runUntil(() => out.length === 80);
      await all;
      return out;
    };
    const a = await trace(11);
    expect(await trace(11)).toEqual(a);
    expect(await trace(12)).not.toEqual(a);
  });

  it('rejects NaN times: a NaN timer would break the heap order', () => {
    const s = new VirtualScheduler();
    expect(() => s.at(Number.NaN, () => undefined)).toThrow(OutOfRangeError);
    const order: number[] = [];
    for (const t of [30, 10, 20]) s.at(t, () => order.push(s.now()));
    s.advanceBySync(100);
    expect(order).toEqual([10, 20, 30]);
    expect(() => new VirtualScheduler(Number.NaN)).toThrow(OutOfRangeError);
  });

  it('rejects NaN, infinite and negative steps, limits and targets with named errors', async () => {
    const s = new VirtualScheduler(1_000);
    const tick = () => after(s, 10, tick);
    tick();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -100]) {
      await expect(s.advanceBy(bad)).rejects.toThrow(OutOfRangeError);
      expect(() => s.advanceBySync(bad)).toThrow(OutOfRangeError);
      await expect(
        s.runUntil(() => false, bad === Number.POSITIVE_INFINITY ? -1 : bad),
      ).rejects.toThrow(OutOfRangeError);
    }
    await expect(s.advanceTo(Number.NaN)).rejects.toThrow(OutOfRangeError);
    await expect(s.advanceTo(Number.POSITIVE_INFINITY)).rejects.toThrow(OutOfRangeError);
    await expect(s.advanceTo(999)).rejects.toThrow(OutOfRangeError);
    expect(s.now()).toBe(1_000);
    await s.advanceTo(1_050);
    expect(s.now()).toBe(1_050);
  });

  it('a timer at +Infinity never runs, even for runUntil without a limit', async () => {
    const s = new VirtualScheduler(5);
    let ran = false;
    s.at(Number.POSITIVE_INFINITY, () => (ran = true));
    expect(await s.runUntil(() => false)).toBe(false);
    expect(ran).toBe(false);
    expect(s.now()).toBe(5);
    expect(s.pending).toBe(1);
  });

  it('rejects a re-entrant advanceBySync from inside a timer', () => {
    const s = new VirtualScheduler();
    let caught: unknown;
    s.at(10, () => {
      try {
        s.advanceBySync(5);
      } catch (e) {
        caught = e;
      }
    });
    s.advanceBySync(20);
    expect(ReentrantAdvanceError.isInstance(caught)).toBe(true);
    expect(s.now()).toBe(20);
    // The guard resets after the outer run (also when a timer throws).
    s.at(25, () => {
      throw new Error('boom');
    });
    expect(() => s.advanceBySync(10)).toThrow('boom');
    expect(() => s.advanceBySync(10)).not.toThrow();
  });
});

describe('VirtualScheduler under fake timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('advanceBy still drains and returns when vi.useFakeTimers() replaced setImmediate', async () => {
    vi.useFakeTimers();
    const s = new VirtualScheduler();
    const log: number[] = [];
    const sleep = (us: number) => new Promise<void>((r) => after(s, us, r));
    const worker = async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(10);
        log.push(s.now());
      }
    };
    const done = worker();
    await s.advanceBy(100);
    await done;
    expect(log).toEqual([10, 20, 30]);
  });
});
