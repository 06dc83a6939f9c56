import { expect, it } from 'vitest';
import { after } from '@elara/core';
import { DEFAULT_START_US, STATISTICAL_SEEDS, simWorld } from '../src/index.ts';

it('gives deterministic worlds with skewed clocks on virtual time, from the default start', async () => {
  const w = simWorld(5);
  expect(w.startUs).toBe(DEFAULT_START_US);
  expect(w.scheduler.now()).toBe(DEFAULT_START_US);
  const c = w.clockFromStart({ offsetUs: 100, skewPpm: 1_000 });
  const explicit = w.clock({ offsetUs: 100, skewPpm: 1_000, referenceUs: w.startUs });
  // At the start the clock is off by its offset only, not by skew × 1.8·10^15 µs.
  expect(c.now()).toBe(DEFAULT_START_US + 100);
  let fired = 0;
  after(w.scheduler, 1_000_000, () => fired++);
  await w.scheduler.advanceBy(1_000_000);
  expect(fired).toBe(1);
  expect(c.now()).toBe(DEFAULT_START_US + 1_000_000 + 100 + 1_000);
  expect(explicit.now()).toBe(c.now());
  expect(simWorld(5).rng.next()).toBe(simWorld(5).rng.next());
  expect(new Set(STATISTICAL_SEEDS).size).toBeGreaterThanOrEqual(10);
});

it('clock() counts skew from the start unless told another reference', () => {
  const w = simWorld(5, 1_000_000);
  expect(w.clock({ offsetUs: 7, skewPpm: 1_000 }).now()).toBe(1_000_000 + 7);
  // An explicit reference still wins: from true time 0, 1 000 ppm of 1 s is 1 ms at the start.
  expect(w.clock({ offsetUs: 0, skewPpm: 1_000, referenceUs: 0 }).now()).toBe(1_000_000 + 1_000);
  expect(w.clock()).toBe(w.scheduler);
});
