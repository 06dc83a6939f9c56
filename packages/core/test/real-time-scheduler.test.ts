import { describe, expect, it } from 'vitest';
import { after, realTimeScheduler, systemClock } from '../src/index.ts';

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
