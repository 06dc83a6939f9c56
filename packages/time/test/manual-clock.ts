import type { Clock } from '@elara/core';

/** A clock the test moves by hand (including backward, which real clocks may do). */
export class ManualClock implements Clock {
  constructor(public t = 1_800_000_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(dt: number): void {
    this.t += dt;
  }
}
