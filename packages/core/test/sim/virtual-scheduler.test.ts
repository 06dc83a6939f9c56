import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '@elara/test-env';
import { Prng, VirtualScheduler } from '../../src/sim/index.ts';
import { after } from '../../src/index.ts';

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
});
