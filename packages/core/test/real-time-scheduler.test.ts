import { describe, expect, it, vi } from 'vitest';
import { after, OutOfRangeError, realTimeScheduler, systemClock } from '../src/index.ts';

describe('realTimeScheduler', () => {
  it('never runs a callback before its time, and cancels', async () => {
    const s = realTimeScheduler(systemClock());
    const early: number[] = [];
    const runs = Array.from(
      { length: 30 },
      (_, i) =>
        new Promise<void>((resolve) => {
          const due = s.now() + 1_000 + i * 337;
          s.at(due, () => {
            if (s.now() < due) early.push(due - s.now());
            resolve();
          });
        }),
    );
    let cancelledRan = false;
    const cancel = after(s, 2_000, () => {
      cancelledRan = true;
    });
    cancel();
    cancel();
    // The last run is due ~10.8 ms out, well after the cancelled 2 ms timer would have fired.
    await Promise.all(runs);
    expect(early).toEqual([]);
    expect(cancelledRan).toBe(false);
  });
});

describe('realTimeScheduler with waits beyond setTimeout range', () => {
  it('never hands setTimeout an overflowing delay, and does not fire a far timer early', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const s = realTimeScheduler(systemClock());
    let fired = false;
    const cancel = s.at(s.now() + 2 ** 31 * 1000 * 4, () => {
      fired = true;
    });
    // A near timer scheduled after it must run first; the far one must still be pending.
    await new Promise<void>((resolve) => s.at(s.now() + 3_000, resolve));
    expect(fired).toBe(false);
    cancel();
    const delays = spy.mock.calls.map((c) => c[1] ?? 0);
    spy.mockRestore();
    // An overflowing delay would become 1 ms and spin: every delay must fit, and be few.
    expect(Math.max(...delays)).toBeLessThanOrEqual(0x7fff_ffff);
    expect(delays.length).toBeLessThan(10);
  });

  it('rejects a NaN time instead of re-arming forever', () => {
    const s = realTimeScheduler(systemClock());
    let ran = false;
    expect(() => s.at(Number.NaN, () => (ran = true))).toThrow(OutOfRangeError);
    expect(ran).toBe(false);
  });
});
