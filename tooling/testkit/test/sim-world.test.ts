import { expect, it } from 'vitest';
import { after } from '@elara/core';
import { STATISTICAL_SEEDS, simWorld } from '../src/index.ts';

it('gives deterministic worlds with skewed clocks on virtual time', async () => {
  const w = simWorld(5, 0);
  const c = w.clock({ offsetUs: 100, skewPpm: 1_000 });
  let fired = 0;
  after(w.scheduler, 1_000_000, () => fired++);
  await w.scheduler.advanceBy(1_000_000);
  expect(fired).toBe(1);
  expect(c.now()).toBe(1_000_000 + 100 + 1_000);
  expect(simWorld(5).rng.next()).toBe(simWorld(5).rng.next());
  expect(new Set(STATISTICAL_SEEDS).size).toBeGreaterThanOrEqual(10);
});
